// Package cmdutil holds what every acctl command shares: the IO streams
// (terminal aware), the typed configuration, the output formats, the
// error-to-exit-code mapping, password input, confirmation and the Factory
// that opens the acct.Service.
package cmdutil

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// IOStreams are the standard streams of a command, with what is known about
// them: whether each is a terminal and whether colour may be used.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	noColor   bool
	// width is the terminal's width in columns, 0 when unknown or not a
	// terminal.
	width int

	// readSecret reads a line without echo; on a real terminal it uses
	// term.ReadPassword, in tests it reads a line from In.
	readSecret func(ctx context.Context) (string, error)
	lines      *bufio.Reader
}

// System returns the IOStreams of the process: os.Stdin, os.Stdout and
// os.Stderr, with terminal detection by golang.org/x/term.
func System() *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		noColor:   os.Getenv("NO_COLOR") != "",
	}
	if s.stdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			s.width = w
		}
	}
	s.readSecret = func(ctx context.Context) (string, error) {
		fd := int(os.Stdin.Fd())
		state, err := term.GetState(fd)
		if err != nil {
			return "", err
		}
		line, err := withContext(ctx, func() (string, error) {
			b, err := term.ReadPassword(fd)
			return string(b), err
		})
		if ctx.Err() != nil {
			_ = term.Restore(fd, state) // echo back on: the read is abandoned
		}
		fmt.Fprintln(s.ErrOut) // the newline typed by the user was not echoed
		return line, err
	}
	return s
}

// withContext runs read, which may block on a terminal, and returns early
// with ctx's error when ctx is done (an interrupt): the read is abandoned.
func withContext(ctx context.Context, read func() (string, error)) (string, error) {
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := read()
		ch <- result{s, err}
	}()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// Test returns IOStreams over buffers, for tests, and the buffers: what the
// command reads, what it writes to stdout and to stderr. No stream is a
// terminal until the Set*TTY methods say so.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	ios = &IOStreams{In: in, Out: out, ErrOut: errOut}
	ios.readSecret = func(ctx context.Context) (string, error) {
		line, err := ios.ReadLine(ctx)
		fmt.Fprintln(ios.ErrOut)
		return line, err
	}
	return ios, in, out, errOut
}

// SetStdinTTY sets whether stdin is taken for a terminal.
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// SetStdoutTTY sets whether stdout is taken for a terminal.
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY sets whether stderr is taken for a terminal.
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetTerminalWidth sets the width of the terminal on stdout, in columns
// (0: unknown).
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// TerminalWidth returns the width of the terminal on stdout in columns, 0
// when it is unknown or stdout is not a terminal.
func (s *IOStreams) TerminalWidth() int {
	if !s.stdoutTTY {
		return 0
	}
	return s.width
}

// SetNoColor disables colour, as NO_COLOR does.
func (s *IOStreams) SetNoColor(v bool) { s.noColor = v }

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// ColorEnabled reports whether stdout may carry colour: it is a terminal
// and NO_COLOR is not set.
func (s *IOStreams) ColorEnabled() bool { return s.stdoutTTY && !s.noColor }

// CanPrompt reports whether the user can be asked a question: stdin and
// stderr are both terminals.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stderrTTY }

// ReadLine reads one line from In and returns it without the trailing "\n"
// or "\r\n". It returns io.EOF only when nothing at all was left to read,
// and ctx's error as soon as ctx is done.
func (s *IOStreams) ReadLine(ctx context.Context) (string, error) {
	if s.lines == nil {
		s.lines = bufio.NewReader(s.In)
	}
	return withContext(ctx, s.readLine)
}

func (s *IOStreams) readLine() (string, error) {
	line, err := s.lines.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(line, "\n") {
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	}
	return line, nil
}

// ReadSecret reads a line from the terminal without echoing it; it returns
// ctx's error as soon as ctx is done.
func (s *IOStreams) ReadSecret(ctx context.Context) (string, error) { return s.readSecret(ctx) }
