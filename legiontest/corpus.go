package legiontest

import (
	"bytes"
	"sort"
)

// corpus holds every package's lower-cased search text (name, keywords,
// description, owner) back to back in a few large chunks, so that finding
// the packages that contain a word is one strings.Index sweep over
// contiguous memory instead of a walk over every package. It only
// proposes candidates: a hit may straddle two fields or two packages, so
// callers confirm each with the package's own fields.
//
// It is append-only: a package whose text changes gets a new segment and
// its old one is marked dead. When the dead bytes outweigh the live ones
// the index is rebuilt.
type corpus struct {
	chunks     []*chunk
	live, dead int // bytes
}

// chunk is a buffer allocated with room to spare, so that appending
// rarely copies it.
type chunk struct {
	data   []byte
	starts []int32 // segment offsets, ascending
	ids    []int32 // package id of each segment; -1 once superseded
}

const chunkSize = 64 << 10

// textSep separates fields. A hit across it is weeded out when confirmed.
const textSep = 0

// textLen is the length of p's segment.
func (p *pkgRec) textLen() int {
	n := len(p.lname) + len(p.ldesc) + len(p.owner) + 3
	for _, k := range p.lkeywords {
		n += len(k) + 1
	}
	return n
}

// reserve makes room for size bytes in one chunk (rebuild knows the total).
func (c *corpus) reserve(size int) {
	c.chunks = append(c.chunks, &chunk{data: make([]byte, 0, max(size, 1))})
}

func (c *corpus) add(p *pkgRec) {
	n := p.textLen()
	var ch *chunk
	if len(c.chunks) > 0 {
		ch = c.chunks[len(c.chunks)-1]
	}
	if ch == nil || cap(ch.data)-len(ch.data) < n {
		ch = &chunk{data: make([]byte, 0, max(n, chunkSize))}
		c.chunks = append(c.chunks, ch)
	}
	p.text, p.seg = ch, int32(len(ch.ids))
	ch.starts = append(ch.starts, int32(len(ch.data)))
	ch.ids = append(ch.ids, p.id)
	ch.data = append(ch.data, p.lname...)
	ch.data = append(ch.data, textSep)
	for _, k := range p.lkeywords {
		ch.data = append(ch.data, k...)
		ch.data = append(ch.data, textSep)
	}
	ch.data = append(ch.data, p.ldesc...)
	ch.data = append(ch.data, textSep)
	ch.data = append(ch.data, p.owner...)
	ch.data = append(ch.data, textSep)
	c.live += n
}

func (c *corpus) drop(p *pkgRec) {
	ch := p.text
	ch.ids[p.seg] = -1
	n := ch.end(int(p.seg)) - int(ch.starts[p.seg])
	c.live -= n
	c.dead += n
}

// wasteful reports that dead segments outweigh live ones.
func (c *corpus) wasteful() bool { return c.dead > chunkSize && c.dead > c.live }

func (ch *chunk) end(seg int) int {
	if seg+1 < len(ch.starts) {
		return int(ch.starts[seg+1])
	}
	return len(ch.data)
}

// scan calls fn once with the id and the text of each live segment
// holding needle.
func (c *corpus) scan(needle string, fn func(id int32, seg []byte)) {
	nb := []byte(needle)
	for _, ch := range c.chunks {
		for off := 0; off < len(ch.data); {
			i := bytes.Index(ch.data[off:], nb)
			if i < 0 {
				break
			}
			at := off + i
			seg := sort.Search(len(ch.starts), func(j int) bool { return int(ch.starts[j]) > at }) - 1
			end := ch.end(seg)
			if id := ch.ids[seg]; id >= 0 {
				fn(id, ch.data[ch.starts[seg]:end])
			}
			off = end
		}
	}
}
