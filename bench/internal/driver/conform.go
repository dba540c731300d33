package driver

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/bench/conform"
	"github.com/ssecors/ssecors-go/bench/libs"
)

// ConformResult is one library on one spec conformance case.
type ConformResult struct {
	Lib, Case string
	Pass      bool
	// Diff says what differs from a conforming parser (empty on a pass),
	// or that the library failed, panicked or did not finish.
	Diff string
	// NoID says that the library's API hands back no event ID.
	NoID bool
	// Note remarks on a pass, such as an error reported at the end.
	Note string
}

// smallReads returns at most n bytes per Read.
type smallReads struct {
	r io.Reader
	n int
}

func (s smallReads) Read(p []byte) (int, error) {
	if len(p) > s.n {
		p = p[:s.n]
	}
	return s.r.Read(p)
}

func runConform(args []string, enc *json.Encoder) error {
	fs := flag.NewFlagSet("conform", flag.ContinueOnError)
	lib := fs.String("lib", libs.SSECors, "library")
	timeout := fs.Duration("timeout", 10*time.Second, "give up on a case after")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, ok := libs.ParserByName(*lib)
	if !ok || p.Events == nil {
		return fmt.Errorf("library %q has no events adapter", *lib)
	}
	for _, c := range conform.Cases() {
		res := ConformResult{Lib: p.Name, Case: c.Name, NoID: p.NoID}
		got, err := conformCase(p, c, *timeout)
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) && conform.Compare(c.Want, got, p.NoID) == "":
			// The right events, and an error for the discarded end.
			res.Pass, res.Note = true, "reports io.ErrUnexpectedEOF for the discarded end"
		case err != nil:
			res.Diff = err.Error()
		default:
			res.Diff = conform.Compare(c.Want, got, p.NoID)
			res.Pass = res.Diff == ""
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	return nil
}

// conformCase runs one case on a goroutine of its own, so that a library
// that panics or never returns is reported instead of stopping the run (a
// stuck goroutine ends with the process).
func conformCase(p libs.Parser, c conform.Case, timeout time.Duration) ([]conform.Event, error) {
	type outcome struct {
		evs []conform.Event
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- outcome{err: fmt.Errorf("panicked: %v", v)}
			}
		}()
		var r io.Reader = strings.NewReader(c.Input)
		if c.ReadSize > 0 {
			r = smallReads{r: r, n: c.ReadSize}
		}
		evs, err := p.Events(r)
		if err != nil {
			err = fmt.Errorf("failed after %s: %w", conform.Describe(evs), err)
		}
		done <- outcome{evs, err}
	}()
	select {
	case o := <-done:
		return o.evs, o.err
	case <-time.After(timeout):
		return nil, fmt.Errorf("did not finish within %s", timeout)
	}
}
