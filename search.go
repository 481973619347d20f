package legion

import (
	"context"
	"net/url"
	"strings"
)

// SearchOptions are the optional query parameters of GET /search.
type SearchOptions struct {
	Limit int // 1..100; 0 for the registry's default (20)
}

// SearchResult is the ranked answer of a search, best match first; each
// package's Score is its relevance.
type SearchResult struct {
	Results []Package `json:"results"`
	Total   int       `json:"total"`
}

// Search runs a full-text search over names, descriptions, keywords and
// authors. It does not count downloads.
//
// GET /search?q={query}
func (c *Client) Search(ctx context.Context, query string, opts *SearchOptions) (*SearchResult, error) {
	if strings.TrimSpace(query) == "" {
		return nil, &ArgumentError{Arg: "query", Reason: "must not be empty"}
	}
	q := url.Values{"q": {query}}
	if opts != nil {
		if err := validateLimit(opts.Limit); err != nil {
			return nil, err
		}
		setNonZero(q, "limit", itoa(opts.Limit))
	}
	var env searchEnvelope
	if err := c.send(ctx, request{method: "GET", path: "/search", query: q}, &env); err != nil {
		return nil, err
	}
	res := &SearchResult{Results: packages(env.Results), Total: env.Total}
	if res.Total == 0 {
		res.Total = len(res.Results)
	}
	return res, nil
}
