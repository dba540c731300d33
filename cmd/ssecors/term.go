package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// ANSI styles.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiCyan   = "\x1b[36m"
	clearLine  = "\r\x1b[K"
)

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// useColor reports whether output to w may be coloured: w is a terminal,
// NO_COLOR is unset or empty (https://no-color.org) and TERM is not "dumb".
func useColor(w io.Writer, env func(string) string) bool {
	return isTerminal(w) && env("NO_COLOR") == "" && env("TERM") != "dumb"
}

// colorReport colours the marks and the verdict of a report's text.
func colorReport(text string) string {
	styles := []struct{ prefix, style string }{
		{"PASS ", ansiGreen},
		{"WARN ", ansiYellow},
		{"FAIL ", ansiRed},
		{"INFO ", ansiBlue},
		{"verdict: yes", ansiBold + ansiGreen},
		{"verdict: no", ansiBold + ansiRed},
	}
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		styled := false
		for _, s := range styles {
			if strings.HasPrefix(l, s.prefix) {
				lines[i] = s.style + s.prefix + ansiReset + l[len(s.prefix):]
				styled = true
				break
			}
		}
		if !styled {
			lines[i] = colorBrowserLine(l)
		}
	}
	return strings.Join(lines, "")
}

// colorBrowserLine colours the "yes" or "no" of a verdict line per
// browser ("Chrome / Firefox: yes", "Safari: no — ..."); other lines are
// returned unchanged.
func colorBrowserLine(l string) string {
	if l == "" || l[0] == ' ' {
		return l
	}
	for _, w := range []struct{ word, style string }{{": yes\n", ansiGreen}, {": no — ", ansiRed}, {": no\n", ansiRed}} {
		if i := strings.Index(l, w.word); i > 0 {
			word := strings.TrimRight(w.word[2:], " —\n")
			return l[:i+2] + w.style + word + ansiReset + l[i+2+len(word):]
		}
	}
	return l
}

// progress shows on a terminal what the command waits for, on one line
// that each message replaces; done clears it. On anything but a terminal
// it shows nothing.
type progress struct {
	w  io.Writer
	on bool
}

func newProgress(w io.Writer, tty bool) *progress { return &progress{w: w, on: tty} }

func (p *progress) show(msg string) {
	if !p.on {
		return
	}
	fmt.Fprint(p.w, clearLine+ansiDim+clip(msg, 100)+ansiReset)
}

func (p *progress) done() {
	if p.on {
		fmt.Fprint(p.w, clearLine)
	}
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
