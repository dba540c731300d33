package libs

import (
	"errors"
	"io"
	"net/http"

	anthropic "github.com/anthropics/anthropic-sdk-go/v2/packages/ssestream"
	donovanhide "github.com/donovanhide/eventsource"
	launchdarkly "github.com/launchdarkly/eventsource"
	openai "github.com/openai/openai-go/v3/packages/ssestream"
	r3labs "github.com/r3labs/sse/v2"
	"github.com/ssecors/ssecors-go/bench/conform"
	"github.com/ssecors/ssecors-go/ssecors"
	gosse "github.com/tmaxmax/go-sse"
	"gopkg.in/cenkalti/backoff.v1"
)

// The Events functions of the parse adapters: each reads a whole stream
// through the same public API as its Parse function and returns the events
// as the library hands them back, for the spec conformance cases.

// collect calls decode until io.EOF or an error and converts each event.
func collect[E any](decode func() (E, error), conv func(E) conform.Event) ([]conform.Event, error) {
	var out []conform.Event
	for {
		ev, err := decode()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, conv(ev))
	}
}

func eventsSSECors(r io.Reader) ([]conform.Event, error) {
	return collect(ssecors.NewDecoder(r).Decode, func(ev ssecors.Event) conform.Event {
		return conform.Event{Type: ev.Type, Data: ev.Data, ID: ev.LastEventID}
	})
}

func eventsGoSSE(r io.Reader) ([]conform.Event, error) {
	var out []conform.Event
	for ev, err := range gosse.Read(r, &gosse.ReadConfig{MaxEventSize: maxEvent}) {
		if err != nil {
			return out, err
		}
		out = append(out, conform.Event{Type: ev.Type, Data: ev.Data, ID: ev.LastEventID})
	}
	return out, nil
}

// ldEvent and dhEvent are the event interfaces of launchdarkly's and
// donovanhide's decoders.
type ldEvent interface {
	Id() string
	Event() string
	Data() string
}

// lastID returns the event's last event ID where the library exposes one
// (launchdarkly's EventWithLastID), else its id field.
func lastID(ev ldEvent) string {
	if l, ok := ev.(launchdarkly.EventWithLastID); ok {
		return l.LastEventID()
	}
	return ev.Id()
}

func eventsLaunchDarkly(r io.Reader) ([]conform.Event, error) {
	return collect(launchdarkly.NewDecoder(r).Decode, func(ev launchdarkly.Event) conform.Event {
		return conform.Event{Type: ev.Event(), Data: ev.Data(), ID: lastID(ev)}
	})
}

func eventsDonovanhide(r io.Reader) ([]conform.Event, error) {
	return collect(donovanhide.NewDecoder(r).Decode, func(ev donovanhide.Event) conform.Event {
		return conform.Event{Type: ev.Event(), Data: ev.Data(), ID: ev.Id()}
	})
}

func eventsR3labs(r io.Reader) ([]conform.Event, error) {
	var out []conform.Event
	c := r3labs.NewClient("http://corpus.invalid/", r3labs.ClientMaxBufferSize(maxEvent+64))
	c.Connection = &http.Client{Transport: bodyTransport{body: r}}
	c.ReconnectStrategy = &backoff.StopBackOff{}
	err := c.SubscribeRaw(func(ev *r3labs.Event) {
		out = append(out, conform.Event{Type: string(ev.Event), Data: string(ev.Data), ID: string(ev.ID)})
	})
	return out, err
}

// eventsSDK collects an SDK decoder's events, without the LF they keep
// after the last data line.
func eventsSDK[E any](d sdkDecoder[E], get func(E) (string, []byte)) ([]conform.Event, error) {
	if d == nil {
		return nil, errors.New("NewDecoder returned nil")
	}
	defer d.Close()
	var out []conform.Event
	for d.Next() {
		typ, data := get(d.Event())
		if n := len(data); n > 0 && data[n-1] == '\n' {
			data = data[:n-1]
		}
		out = append(out, conform.Event{Type: typ, Data: string(data)})
	}
	return out, d.Err()
}

func eventsOpenAI(r io.Reader) ([]conform.Event, error) {
	return eventsSDK(openai.NewDecoder(sseResponse(r)), func(e openai.Event) (string, []byte) { return e.Type, e.Data })
}

func eventsAnthropic(r io.Reader) ([]conform.Event, error) {
	return eventsSDK(anthropic.NewDecoder(sseResponse(r)), func(e anthropic.Event) (string, []byte) { return e.Type, e.Data })
}
