package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/doctor"
)

// doctorCommand runs "ssecors doctor URL --origin ORIGIN [flags]": it
// diagnoses the stream as a page on ORIGIN would open it, prints the
// report, and exits 0 when a browser would connect, 1 when it would not,
// and 2 when the check could not run.
func doctorCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	var c common
	fs := newFlagSet("doctor", &c)
	reconnect := fs.Bool("reconnect", false, "")
	wait := fs.Duration("wait", 0, "") // 0: doctor.Options' default (5s, as the usage says)
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	if err == nil {
		err = c.checkDoctor(*wait)
	}
	var raw string
	if err == nil {
		raw, err = streamURL(pos)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ssecors doctor: %v\n(run \"ssecors help\" for the flags)\n", err)
		return exitUsage
	}
	client, done, err := c.httpClient(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "ssecors doctor: %v\n", err)
		return exitUsage
	}
	defer done()
	opts, err := c.options(raw, client, stdin, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ssecors doctor: %v\n", err)
		return exitUsage
	}
	if c.insecure {
		fmt.Fprintln(stderr, "ssecors doctor: warning: --insecure: a browser verifies certificates, so it may refuse what this check accepts")
	}

	prog := newProgress(stderr, isTerminal(stderr))
	do := doctor.Options{
		MaxEvents: c.maxEvents,
		Wait:      *wait,
		Timeout:   c.timeout,
		Reconnect: *reconnect,
		Progress:  prog.show,
	}
	rep, err := doctor.Diagnose(ctx, raw, do, opts...)
	prog.done()
	if err != nil {
		var ce *ssecors.ConfigError
		if errors.As(err, &ce) {
			fmt.Fprintln(stderr, explainConfig("doctor", err))
		} else {
			fmt.Fprintf(stderr, "ssecors doctor: stopped before the verdict: %v\n", err)
		}
		return exitUsage
	}
	if c.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "ssecors doctor: %v\n", err)
			return exitUsage
		}
	} else {
		text := rep.String()
		if useColor(stdout, env) {
			text = colorReport(text)
		}
		fmt.Fprint(stdout, text)
	}
	if rep.Connects {
		return exitOK
	}
	return exitFail
}

// checkDoctor checks what only doctor requires.
func (c *common) checkDoctor(wait time.Duration) error {
	switch {
	case c.origin == "":
		return usagef("--origin is required: the origin of the page that would open the stream, such as https://app.example.com")
	case c.maxEvents < 0:
		return usagef("--max-events must not be negative")
	case c.timeout < 0 || wait < 0:
		return usagef("--timeout and --wait must not be negative")
	}
	return nil
}
