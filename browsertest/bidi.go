package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/coder/websocket"
)

// bidiConn is a minimal WebDriver BiDi client (W3C WebDriver BiDi, the
// "transport" and "protocol" sections): commands are JSON objects
// {id, method, params} sent over a WebSocket; the remote end answers each
// with {type: "success", id, result} or {type: "error", id, error,
// message}, and sends {type: "event", method, params} for the events a
// session subscribed to (this suite subscribes to none).
type bidiConn struct {
	ws     *websocket.Conn
	cancel context.CancelFunc
	done   chan struct{} // closed when the read loop has ended

	mu      sync.Mutex
	next    int
	pending map[int]chan bidiMsg
	err     error // why the read loop ended
}

type bidiMsg struct {
	Type    string          `json:"type"`
	ID      *int            `json:"id"`
	Method  string          `json:"method"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
}

// bidiError is an error answer of the remote end.
type bidiError struct {
	Method, Code, Message string
}

func (e *bidiError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Method, e.Code, e.Message)
}

// dialBiDi connects to a WebDriver BiDi endpoint (ws://host:port/session).
func dialBiDi(ctx context.Context, url string) (*bidiConn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(64 << 20)
	rctx, cancel := context.WithCancel(context.Background())
	c := &bidiConn{ws: ws, cancel: cancel, done: make(chan struct{}), pending: map[int]chan bidiMsg{}}
	go c.readLoop(rctx)
	return c, nil
}

func (c *bidiConn) readLoop(ctx context.Context) {
	defer close(c.done)
	var err error
	for {
		var data []byte
		_, data, err = c.ws.Read(ctx)
		if err != nil {
			break
		}
		var m bidiMsg
		if json.Unmarshal(data, &m) != nil || m.ID == nil {
			continue // an event, or something this client does not use
		}
		c.mu.Lock()
		ch := c.pending[*m.ID]
		delete(c.pending, *m.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
	c.mu.Lock()
	c.err = err
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
	c.mu.Unlock()
}

// call sends a command and decodes its result into result (unless nil).
// ctx bounds the wait for the answer.
func (c *bidiConn) call(ctx context.Context, method string, params, result any) error {
	if params == nil {
		params = struct{}{}
	}
	ch := make(chan bidiMsg, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return fmt.Errorf("%s: connection closed: %w", method, err)
	}
	c.next++
	id := c.next
	c.pending[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		forget()
		return err
	}
	if err := c.ws.Write(ctx, websocket.MessageText, msg); err != nil {
		forget()
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("%s: connection closed", method)
		}
		if m.Type == "error" {
			return &bidiError{Method: method, Code: m.Error, Message: m.Message}
		}
		if result != nil {
			if err := json.Unmarshal(m.Result, result); err != nil {
				return fmt.Errorf("%s: decoding the result: %w", method, err)
			}
		}
		return nil
	case <-ctx.Done():
		forget()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// Close closes the connection and waits for the read loop to end.
func (c *bidiConn) Close() {
	c.ws.Close(websocket.StatusNormalClosure, "")
	c.cancel()
	<-c.done
}

// errBiDiException is returned by evaluate when the script threw.
var errBiDiException = errors.New("the script threw")

// bidiEvalResult is the answer of script.evaluate.
type bidiEvalResult struct {
	Type   string `json:"type"` // "success" or "exception"
	Result struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	} `json:"result"`
	ExceptionDetails struct {
		Text string `json:"text"`
	} `json:"exceptionDetails"`
}

// evaluate runs expression in the browsing context (awaiting it when it is
// a promise) and returns its value, which must be a string, a boolean or a
// number: the page's functions return JSON text for anything larger, so
// that this client need not decode BiDi's remote-value serialization.
func (c *bidiConn) evaluate(ctx context.Context, bctx, expression string, out any) error {
	var r bidiEvalResult
	err := c.call(ctx, "script.evaluate", map[string]any{
		"expression":   expression,
		"target":       map[string]any{"context": bctx},
		"awaitPromise": true,
	}, &r)
	if err != nil {
		return err
	}
	if r.Type == "exception" {
		return fmt.Errorf("%w: %s", errBiDiException, r.ExceptionDetails.Text)
	}
	if out == nil {
		return nil
	}
	switch r.Result.Type {
	case "string", "boolean", "number":
		return json.Unmarshal(r.Result.Value, out)
	}
	return fmt.Errorf("script.evaluate %q: a %s result, not a string, boolean or number", expression, r.Result.Type)
}
