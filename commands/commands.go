// Package commands reads the command lines of `--commands FILE`: one
// command per line, words quoted as a POSIX shell quotes them ('single',
// "double", backslash), "#" comments and blank lines ignored, a line
// continued by a final backslash. Each command is one sample, named by its
// text.
//
// A line is a plain command and nothing more: no variables, globs,
// command substitutions, pipes, lists, redirections or assignments, since
// no shell runs it. Such a line is refused with its line number; wrap it
// in sh -c '...' to run it through a shell.
//
// The shell grammar is mvdan.cc/sh's parser (in its bash mode, so that
// bash-only syntax is recognised and refused rather than misread).
package commands

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Command is one command line.
type Command struct {
	Line int      // 1-based line of the file where it starts
	Name string   // the command as written, on one line
	Argv []string // the words after quote removal
}

// MaxFileSize bounds the file's size; MaxCommands the commands in it;
// MaxName a command's text.
const (
	MaxFileSize = 4 << 20
	MaxCommands = 100000
	MaxName     = 4096
)

// Error is a problem at a line of the file.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Parse reads the commands of r.
func Parse(r io.Reader) ([]Command, error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d bytes: not a commands file", MaxFileSize)
	}
	if bytes.IndexByte(src, 0) >= 0 {
		return nil, errors.New("holds a NUL byte: not a commands file")
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(bytes.NewReader(src), "")
	if err != nil {
		var pe syntax.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{Line: int(pe.Pos.Line()), Msg: pe.Text}
		}
		return nil, err
	}
	var out []Command
	lastLine := 0
	for _, st := range f.Stmts {
		line := int(st.Pos().Line())
		if line == lastLine {
			return nil, &Error{Line: line, Msg: "one command per line"}
		}
		lastLine = int(st.End().Line())
		argv, err := words(st)
		if err != nil {
			return nil, &Error{Line: line, Msg: err.Error()}
		}
		if len(out) == MaxCommands {
			return nil, &Error{Line: line, Msg: fmt.Sprintf("more than %d commands", MaxCommands)}
		}
		name := oneLine(string(src[st.Pos().Offset():st.End().Offset()]))
		if len(name) > MaxName {
			return nil, &Error{Line: line, Msg: fmt.Sprintf("a command of more than %d bytes", MaxName)}
		}
		out = append(out, Command{Line: line, Name: name, Argv: argv})
	}
	return out, nil
}

// words returns the words of a plain command, or says what makes st more
// than one.
func words(st *syntax.Stmt) ([]string, error) {
	const wrap = "; to run it through a shell, write sh -c '...'"
	switch {
	case st.Negated, st.Background, st.Coprocess:
		return nil, errors.New("not a plain command (!, & or |&)" + wrap)
	case len(st.Redirs) > 0:
		return nil, errors.New("redirections are not supported (use --stdin FILE for input)" + wrap)
	}
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok {
		return nil, fmt.Errorf("not a plain command (a pipe, list, loop or other compound command)%s", wrap)
	}
	if len(call.Assigns) > 0 {
		return nil, errors.New("variable assignments are not supported" + wrap)
	}
	var argv []string
	for _, w := range call.Args {
		if err := literal(w.Parts, false); err != nil {
			return nil, fmt.Errorf("%w%s", err, wrap)
		}
		argv = append(argv, unquote(w.Parts, false))
	}
	return argv, nil
}

// literal refuses a word that would need a shell to expand it; quoted
// says the parts are inside double quotes.
func literal(parts []syntax.WordPart, quoted bool) error {
	for _, p := range parts {
		switch p := p.(type) {
		case *syntax.Lit:
			// The parser leaves globs and tildes as literal text.
			if !quoted && globby(p.Value) {
				return fmt.Errorf("the word %q needs a shell to expand it", p.Value)
			}
		case *syntax.SglQuoted:
			if p.Dollar {
				return errors.New("$'...' quoting is not supported")
			}
		case *syntax.DblQuoted:
			if p.Dollar {
				return errors.New(`$"..." quoting is not supported`)
			}
			if err := literal(p.Parts, true); err != nil {
				return err
			}
		default:
			return errors.New("variables, command substitutions and arithmetic are not supported")
		}
	}
	return nil
}

// unquote removes the quotes and backslashes of a literal word, as a
// shell does: outside quotes a backslash keeps the next character;
// inside double quotes only before $, `, ", \ and a newline.
func unquote(parts []syntax.WordPart, quoted bool) string {
	var b strings.Builder
	for _, p := range parts {
		switch p := p.(type) {
		case *syntax.Lit:
			v := p.Value
			for i := 0; i < len(v); i++ {
				c := v[i]
				if c == '\\' && i+1 < len(v) && (!quoted || strings.IndexByte("$`\"\\\n", v[i+1]) >= 0) {
					i++
					if v[i] == '\n' {
						continue // a line continuation
					}
					c = v[i]
				}
				b.WriteByte(c)
			}
		case *syntax.SglQuoted:
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			b.WriteString(unquote(p.Parts, true))
		}
	}
	return b.String()
}

// globby reports whether an unquoted literal holds a glob character or a
// leading tilde, unescaped.
func globby(lit string) bool {
	if strings.HasPrefix(lit, "~") {
		return true
	}
	for i := 0; i < len(lit); i++ {
		switch lit[i] {
		case '\\':
			i++
		case '*', '?', '[':
			return true
		}
	}
	return false
}

// oneLine joins a command continued over several lines into one.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\\\n", " ")
	return strings.Join(strings.Fields(s), " ")
}
