package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// flagSet is a command's flags, with the shared ones (--registry, --json)
// added on request.
type flagSet struct {
	*flag.FlagSet
	cmd      *command
	registry string
	json     bool
}

func (a *app) flags(cmd *command) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet("legion pkg "+cmd.name, flag.ContinueOnError), cmd: cmd}
	fs.SetOutput(io.Discard)
	return fs
}

func (fs *flagSet) withRegistry() *flagSet {
	fs.StringVar(&fs.registry, "registry", "", "registry base `URL` (overrides $LEGION_REGISTRY and the stored one)")
	return fs
}

func (fs *flagSet) withJSON() *flagSet {
	fs.BoolVar(&fs.json, "json", false, "print JSON instead of text; a failure prints {\"error\":{…}} too")
	return fs
}

// parse parses flags and arguments in any order ("install a --json b"),
// with "--" ending the flags. On -h/--help it prints the command's help to
// stdout and returns errHelp.
func (a *app) parse(fs *flagSet, args []string) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			a.printCommandHelp(a.stdout, fs)
			return nil, errHelp
		}
		if err != nil {
			if fs.Lookup("json") != nil && (fs.json || jsonFlagIn(args)) {
				a.useJSON()
			}
			return nil, usagef("pkg %s: %v", fs.cmd.name, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		// flag.Parse stops at "--" (dropping it) or at the first argument.
		consumed := args[:len(args)-len(rest)]
		if len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if fs.registry == "" {
		fs.registry = a.registry
	}
	if fs.json {
		a.useJSON()
	}
	return pos, nil
}

// useJSON switches the run to --json: a failure is reported on stdout too.
func (a *app) useJSON() {
	a.json = true
	a.jsonStdout = &countingWriter{w: a.stdout}
	a.stdout = a.jsonStdout
}

func (a *app) printCommandHelp(w io.Writer, fs *flagSet) {
	c := fs.cmd
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", strings.TrimSpace("legion pkg "+c.name+" "+c.args), strings.TrimSpace(c.help))
	var b strings.Builder
	t := newTable(&b)
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		name := "  --" + f.Name
		if typ != "" {
			name += " " + typ
		}
		if f.DefValue != "" && f.DefValue != "false" {
			usage += " (default " + f.DefValue + ")"
		}
		t.row(name, usage)
	})
	t.flush()
	if b.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", b.String())
	}
}
