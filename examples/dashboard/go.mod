module github.com/legion-registry/legion-go/examples/dashboard

go 1.25

require (
	github.com/chromedp/chromedp v0.23.0
	github.com/google/go-cmp v0.7.0
	github.com/legion-registry/legion-go v0.0.0
	golang.org/x/sync v0.16.0
)

require (
	github.com/Masterminds/semver/v3 v3.5.0 // indirect
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
)

replace github.com/legion-registry/legion-go => ../..
