module github.com/ssecors/ssecors-go/browsertest

go 1.26.0

replace github.com/ssecors/ssecors-go => ../

require github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect

require (
	github.com/cenkalti/backoff/v4 v4.3.0
	github.com/chromedp/cdproto v0.160.1
	github.com/chromedp/chromedp v0.23.1
	github.com/coder/websocket v1.8.15
	github.com/ssecors/ssecors-go v0.0.0-00010101000000-000000000000
	golang.org/x/net v0.63.0
)
