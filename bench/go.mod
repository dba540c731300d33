module github.com/ssecors/ssecors-go/bench

go 1.26.0

require (
	github.com/anthropics/anthropic-sdk-go/v2 v2.17.0
	github.com/donovanhide/eventsource v0.0.0-20210830082556-c59027999da0
	github.com/launchdarkly/eventsource v1.11.0
	github.com/openai/openai-go/v3 v3.102.0
	github.com/r3labs/sse/v2 v2.10.0
	github.com/ssecors/ssecors-go v0.0.0-00010101000000-000000000000
	github.com/tmaxmax/go-sse v0.12.0
	gopkg.in/cenkalti/backoff.v1 v1.1.0
)

require (
	github.com/cenkalti/backoff/v4 v4.3.0 // indirect
	github.com/tidwall/gjson v1.20.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.1 // indirect
	github.com/tidwall/sjson v1.2.5 // indirect
	golang.org/x/net v0.63.0 // indirect
)

replace github.com/ssecors/ssecors-go => ../
