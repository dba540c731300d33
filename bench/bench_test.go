package bench_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/bench/corpus"
	"github.com/ssecors/ssecors-go/bench/libs"
	"github.com/ssecors/ssecors-go/bench/sseserver"
)

// corpusSize is the size of each corpus in the Go benchmarks.
const corpusSize = 1 << 20

var corpora = map[string]*corpus.Corpus{}

func getCorpus(name string, size int) *corpus.Corpus {
	key := fmt.Sprintf("%s/%d", name, size)
	if c, ok := corpora[key]; ok {
		return c
	}
	c := corpus.Build(name, size)
	corpora[key] = c
	return c
}

// BenchmarkParse parses each corpus through each library's public API.
// Names are Parse/<corpus>/<library>, so benchstat can compare libraries
// or runs.
func BenchmarkParse(b *testing.B) {
	for _, name := range corpus.Names {
		c := getCorpus(name, corpusSize)
		for _, p := range libs.Parsers() {
			b.Run(name+"/"+p.Name, func(b *testing.B) {
				dev := libs.KnownDeviation(p.Name, name)
				got, err := p.Parse(c.Reader())
				if err != nil {
					if dev != "" {
						b.Skipf("%v (known: %s)", err, dev)
					}
					b.Fatal(err)
				}
				if err := libs.Check(p, got, c.Events, c.DataBytes, c.Lines, len(c.Data)); err != nil && dev == "" {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.SetBytes(int64(len(c.Data)))
				b.ResetTimer()
				for b.Loop() {
					_, _ = p.Parse(c.Reader())
				}
				b.StopTimer()
				ops := float64(b.N)
				b.ReportMetric(float64(c.Events)*ops/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// TestParseOutput checks that every library hands back the right events for
// every corpus, so that no benchmark measures a parse that found nothing.
func TestParseOutput(t *testing.T) {
	t.Parallel()
	for _, name := range corpus.Names {
		c := corpus.Build(name, 64<<10)
		for _, p := range libs.Parsers() {
			t.Run(name+"/"+p.Name, func(t *testing.T) {
				got, err := p.Parse(c.Reader())
				if err == nil {
					err = libs.Check(p, got, c.Events, c.DataBytes, c.Lines, len(c.Data))
				}
				dev := libs.KnownDeviation(p.Name, name)
				switch {
				case err != nil && dev == "":
					t.Error(err)
				case err == nil && dev != "":
					t.Errorf("%s: expected a deviation (%s), got exact output: update libs.KnownDeviation", p.Name, dev)
				}
			})
		}
	}
}

// BenchmarkE2E receives a fast loopback stream of the typical corpus through
// each library, server and client in this process (cmd/report runs each
// client in a process of its own instead).
func BenchmarkE2E(b *testing.B) {
	srv, err := sseserver.NewGenerator(getCorpus(corpus.Typical, corpusSize))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	const n = 20000
	for _, s := range libs.Streamers() {
		b.Run(s.Name, func(b *testing.B) {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.Proxy = nil
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			b.ReportAllocs()
			for b.Loop() {
				if err := receive(s, client, fmt.Sprintf("%s/stream?n=%d", srv.URL, n), n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// receive opens one stream and waits for n events.
func receive(s libs.Streamer, client *http.Client, url string, n int64) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var count atomic.Int64
	done := make(chan struct{})
	stop, err := s.Start(ctx, libs.StreamConfig{URL: url, Client: client}, func(_, _ string) {
		if count.Add(1) == n {
			close(done)
		}
	})
	if err != nil {
		return err
	}
	defer stop()
	select {
	case <-done:
		return nil
	case <-time.After(time.Minute):
		return fmt.Errorf("%s: got %d of %d events", s.Name, count.Load(), n)
	}
}

// TestLargeEventOutput checks that every library hands back the one event
// of a large-event stream (the report's section 5) whole, in both shapes,
// arriving 16 bytes per Read; small enough that a quadratic library
// finishes quickly.
func TestLargeEventOutput(t *testing.T) {
	t.Parallel()
	for _, shape := range []string{corpus.OneLine, corpus.KiBLines} {
		c := corpus.LargeEvent(64<<10, 16, shape)
		for _, p := range libs.Parsers() {
			t.Run(shape+"/"+p.Name, func(t *testing.T) {
				t.Parallel()
				got, err := p.Parse(c.Reader())
				if err == nil {
					err = libs.Check(p, got, c.Events, c.DataBytes, c.Lines, len(c.Data))
				}
				if err != nil {
					t.Error(err)
				}
			})
		}
	}
}
