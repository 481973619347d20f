package main

import (
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strings"
)

// markdown renders a readme, written by whoever published the package, as
// HTML that cannot carry markup of its own: every character of the source
// is escaped, the only tags are those written here, and a link is kept only
// when it goes to an http(s) URL. It knows the common part of Markdown:
// headings, paragraphs, lists, quotes, fenced code, rules, `code`,
// **strong**, *emphasis* and [links](https://…). Headings start at h2 (the
// page's h1 is the package's name).
func markdown(src string) template.HTML {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var para []string
	list := "" // "ul" or "ol" while in a list
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + inline(strings.Join(para, " ")) + "</p>\n")
			para = nil
		}
	}
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		trimmed := strings.TrimLeft(line, " ")
		switch {
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			flush()
			closeList()
			fence := trimmed[:3]
			b.WriteString(`<pre tabindex="0"><code>`)
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), fence); i++ {
				b.WriteString(html.EscapeString(lines[i]) + "\n")
			}
			b.WriteString("</code></pre>\n")
		case trimmed == "":
			flush()
			closeList()
		case headingRe.MatchString(trimmed):
			flush()
			closeList()
			m := headingRe.FindStringSubmatch(trimmed)
			level := string(rune('0' + min(len(m[1])+1, 6)))
			b.WriteString("<h" + level + ">" + inline(strings.TrimRight(m[2], " #")) + "</h" + level + ">\n")
		case ruleRe.MatchString(trimmed):
			flush()
			closeList()
			b.WriteString("<hr>\n")
		case strings.HasPrefix(trimmed, ">"):
			flush()
			closeList()
			b.WriteString("<blockquote><p>" + inline(strings.TrimSpace(strings.TrimPrefix(trimmed, ">"))) + "</p></blockquote>\n")
		case bulletRe.MatchString(trimmed), orderedRe.MatchString(trimmed):
			flush()
			kind, re := "ul", bulletRe
			if orderedRe.MatchString(trimmed) {
				kind, re = "ol", orderedRe
			}
			if list != kind {
				closeList()
				b.WriteString("<" + kind + ">\n")
				list = kind
			}
			b.WriteString("<li>" + inline(re.ReplaceAllString(trimmed, "")) + "</li>\n")
		default:
			if list != "" && strings.HasPrefix(line, " ") { // a list item's next line
				continue
			}
			closeList()
			para = append(para, trimmed)
		}
	}
	flush()
	closeList()
	return template.HTML(b.String())
}

var (
	headingRe = regexp.MustCompile(`^(#{1,6})\s+(.*)$`)
	ruleRe    = regexp.MustCompile(`^(\*\s*){3,}$|^(-\s*){3,}$|^(_\s*){3,}$`)
	bulletRe  = regexp.MustCompile(`^[-*+]\s+`)
	orderedRe = regexp.MustCompile(`^\d{1,9}[.)]\s+`)
)

// inline renders the spans of one block. Everything that is not one of
// its few constructs is escaped text.
func inline(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		rest := s[i:]
		switch {
		case rest[0] == '\\' && len(rest) > 1 && strings.ContainsRune("\\`*_[]()#+-.!<>", rune(rest[1])):
			b.WriteString(html.EscapeString(rest[1:2]))
			i += 2
			continue
		case rest[0] == '`':
			if end := strings.IndexByte(rest[1:], '`'); end >= 0 {
				b.WriteString("<code>" + html.EscapeString(rest[1:1+end]) + "</code>")
				i += end + 2
				continue
			}
		case strings.HasPrefix(rest, "**"):
			if end := strings.Index(rest[2:], "**"); end > 0 {
				b.WriteString("<strong>" + inline(rest[2:2+end]) + "</strong>")
				i += end + 4
				continue
			}
		case rest[0] == '*' || rest[0] == '_':
			if end := strings.IndexByte(rest[1:], rest[0]); end > 0 && rest[1] != ' ' {
				b.WriteString("<em>" + inline(rest[1:1+end]) + "</em>")
				i += end + 2
				continue
			}
		case rest[0] == '[':
			if m := linkRe.FindStringSubmatch(rest); m != nil {
				text := inline(m[1])
				if u, ok := safeURL(m[2]); ok {
					b.WriteString(`<a href="` + html.EscapeString(u) + `" rel="nofollow noopener noreferrer">` + text + "</a>")
				} else {
					b.WriteString(text) // a javascript:, data: or relative link: its text only
				}
				i += len(m[0])
				continue
			}
		}
		b.WriteString(html.EscapeString(rest[:1]))
		i++
	}
	return b.String()
}

// linkRe is [text](destination "title"); the destination may hold
// balanced parentheses, one level deep.
var linkRe = regexp.MustCompile(`^\[([^\]]*)\]\(\s*((?:[^\s()]|\([^\s()]*\))*)(?:\s+"[^"]*")?\s*\)`)

// safeURL accepts only absolute http and https URLs.
func safeURL(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return u.String(), true
}
