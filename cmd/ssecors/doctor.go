package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/doctor"
)

// doctorCommand runs "ssecors doctor URL --origin ORIGIN [flags]": it
// diagnoses the stream as a page on ORIGIN would open it in each browser
// of --browser (all four by default), prints the report, and exits 0 when
// every one of them would connect, 1 when one would not, and 2 when the
// check could not run.
func doctorCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	c := common{doctor: true}
	fs := newFlagSet("doctor", &c)
	reconnect := fs.Bool("reconnect", false, "")
	wait := fs.Duration("wait", 0, "") // 0: doctor.Options' default (5s, as the usage says)
	watch := fs.Duration("watch", 0, "")
	var ff fetchFlags
	ff.define(fs)
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	if err == nil {
		err = c.checkDoctor(*wait)
	}
	if err == nil && *watch < 0 {
		err = usagef("--watch must not be negative")
	}
	var fetch *doctor.Fetch
	if err == nil {
		fetch, err = ff.fetch(fs, &c, stdin)
	}
	var browsers []browser.Profile
	if err == nil {
		browsers, err = c.profiles()
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
		Watch:     *watch,
		Progress:  prog.show,
		Fetch:     fetch,
		Browsers:  browsers,
	}
	rep, err := doctor.Diagnose(ctx, raw, do, opts...)
	prog.done()
	if rep != nil && fetch == nil {
		// The headers went to the source with WithHeader: hide their
		// secrets wherever a server may have echoed them (fetch mode does
		// this in the doctor).
		if h, herr := c.header(); herr == nil {
			rep.Redact(doctor.HeaderSecrets(h)...)
		}
	}
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

// fetchFlags are the flags of doctor that describe a fetch() stream.
type fetchFlags struct {
	useFetch    bool
	method      string
	data        string
	credentials string
	oneShot     bool
}

func (f *fetchFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.useFetch, "fetch", false, "")
	fs.StringVar(&f.method, "method", "", "")
	fs.StringVar(&f.method, "X", "", "")
	fs.StringVar(&f.data, "data", "", "")
	fs.StringVar(&f.data, "d", "", "")
	fs.StringVar(&f.credentials, "credentials", "", "")
	fs.BoolVar(&f.oneShot, "one-shot", false, "")
}

// maxData bounds a request body read from a file or standard input.
const maxData = 16 << 20

// fetch returns the fetch() call the flags describe, or nil for an
// EventSource. Any of --fetch, --method, --data, --credentials and
// --one-shot selects fetch(); its headers then go to the fetch() call
// rather than to the EventSource, and --with-credentials means
// --credentials include.
func (f *fetchFlags) fetch(fs *flag.FlagSet, c *common, stdin io.Reader) (*doctor.Fetch, error) {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if !f.useFetch && !set["method"] && !set["X"] && !set["data"] && !set["d"] && !set["credentials"] && !f.oneShot {
		return nil, nil
	}
	if set["preflight"] {
		return nil, usagef("--preflight is for an EventSource: a fetch() stream is preflighted exactly when a browser would preflight it")
	}
	creds := f.credentials
	switch creds {
	case "", "omit", "same-origin", "include":
	default:
		return nil, usagef("--credentials %q: want omit, same-origin or include", creds)
	}
	if c.credentials {
		if creds != "" && creds != "include" {
			return nil, usagef("--with-credentials means --credentials include, not %s", creds)
		}
		creds, c.credentials = "include", false
	}
	h, err := c.header()
	if err != nil {
		return nil, err
	}
	c.fetch = true
	out := &doctor.Fetch{Method: f.method, Header: h, Credentials: creds, OneShot: f.oneShot}
	if set["data"] || set["d"] {
		out.Body, err = readData(f.data, stdin)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readData reads --data: the value itself, "@FILE" for a file's
// content, or "@-" for standard input.
func readData(v string, stdin io.Reader) ([]byte, error) {
	name, ok := strings.CutPrefix(v, "@")
	if !ok {
		return []byte(v), nil
	}
	r := stdin
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return nil, usagef("--data: %v", err)
		}
		defer file.Close()
		r = file
	}
	b, err := io.ReadAll(io.LimitReader(r, maxData+1))
	switch {
	case err != nil:
		return nil, usagef("--data %s: %v", v, err)
	case len(b) > maxData:
		return nil, usagef("--data %s: more than %d MiB", v, maxData>>20)
	}
	return b, nil
}
