module github.com/legion-registry/legion-go

go 1.23.0

require (
	github.com/Masterminds/semver/v3 v3.5.0
	github.com/davecgh/go-spew v1.1.1
	github.com/google/go-cmp v0.7.0
	github.com/hashicorp/go-retryablehttp v0.7.8
	golang.org/x/term v0.34.0
)

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	golang.org/x/sys v0.35.0 // indirect
)
