package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// wdClient is a minimal W3C WebDriver (classic, HTTP) client: each command
// is an HTTP request to the driver whose JSON answer is {"value": ...},
// with {"value": {"error", "message"}} and a 4xx/5xx status on failure.
type wdClient struct {
	base    string // http://127.0.0.1:port
	session string // the session id, once created
	hc      *http.Client
}

// wdError is an error answer of the driver.
type wdError struct {
	Command, Code, Message string
}

func (e *wdError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Command, e.Code, e.Message)
}

// do sends one command; path is relative to the session unless it starts
// with "/". ctx bounds it.
func (c *wdClient) do(ctx context.Context, method, path string, body, result any) error {
	url := c.base + path
	if len(path) == 0 || path[0] != '/' {
		url = c.base + "/session/" + c.session + "/" + path
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return fmt.Errorf("%s %s: status %d, not JSON: %.200q", method, path, resp.StatusCode, data)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		json.Unmarshal(env.Value, &e)
		return &wdError{Command: method + " " + path, Code: e.Error, Message: e.Message}
	}
	if result != nil {
		if err := json.Unmarshal(env.Value, result); err != nil {
			return fmt.Errorf("%s %s: decoding: %w", method, path, err)
		}
	}
	return nil
}

// newSession creates a session with the given capabilities (alwaysMatch)
// and returns the capabilities the driver answered with.
func (c *wdClient) newSession(ctx context.Context, caps map[string]any) (map[string]any, error) {
	var res struct {
		SessionID    string         `json:"sessionId"`
		Capabilities map[string]any `json:"capabilities"`
	}
	if err := c.do(ctx, http.MethodPost, "/session", map[string]any{"capabilities": map[string]any{"alwaysMatch": caps}}, &res); err != nil {
		return nil, err
	}
	c.session = res.SessionID
	return res.Capabilities, nil
}

// deleteSession ends the session (the driver closes the browser).
func (c *wdClient) deleteSession(ctx context.Context) error {
	if c.session == "" {
		return nil
	}
	err := c.do(ctx, http.MethodDelete, "", nil, nil)
	c.session = ""
	return err
}

// navigate loads url in the current top-level browsing context and waits
// for it (page load strategy "normal").
func (c *wdClient) navigate(ctx context.Context, url string) error {
	return c.do(ctx, http.MethodPost, "url", map[string]any{"url": url}, nil)
}

// executeAsync runs an asynchronous script: its last argument is the
// callback that finishes it.
func (c *wdClient) executeAsync(ctx context.Context, script string, args []any, out any) error {
	if args == nil {
		args = []any{}
	}
	return c.do(ctx, http.MethodPost, "execute/async", map[string]any{"script": script, "args": args}, out)
}

// setTimeouts sets the session's script and page-load timeouts.
func (c *wdClient) setTimeouts(ctx context.Context, script, pageLoad time.Duration) error {
	return c.do(ctx, http.MethodPost, "timeouts", map[string]any{"script": script.Milliseconds(), "pageLoad": pageLoad.Milliseconds()}, nil)
}

// wdCookie is a cookie as Get All Cookies returns it.
type wdCookie struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Domain string `json:"domain"`
	Path   string `json:"path"`
}

// cookies returns the cookies of the current document (those its URL
// would be sent).
func (c *wdClient) cookies(ctx context.Context) ([]wdCookie, error) {
	var out []wdCookie
	err := c.do(ctx, http.MethodGet, "cookie", nil, &out)
	return out, err
}
