package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	legion "github.com/legion-registry/legion-go"
)

// searchRanked is how many results the registry ranks for one query (its
// largest limit); the dashboard pages through them pageSize at a time.
const searchRanked = legion.MaxLimit

type searchData struct {
	Total       int              // matches in the registry
	Ranked      int              // of which the registry ranked (and we can show)
	Results     []legion.Package // this page
	First, Last int              // 1-based positions of this page's results
	Page, Pages int
	Prev, Next  int
}

func (s *server) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pageNo, ok := intParam(r, "page", 1)
	switch {
	case !utf8.ValidString(q) || strings.ContainsFunc(q, func(r rune) bool { return r < ' ' }):
		s.fail(w, r, http.StatusBadRequest, "Bad search", "The query holds characters that cannot be searched for.")
		return
	case utf8.RuneCountInString(q) > maxQueryLen:
		s.fail(w, r, http.StatusBadRequest, "Bad search", "A query is at most "+strconv.Itoa(maxQueryLen)+" characters.")
		return
	case !ok:
		s.fail(w, r, http.StatusBadRequest, "Bad request", "page must be a whole number from 1 up.")
		return
	case q == "":
		s.render(w, r, http.StatusOK, "search", page{Title: "Search", Data: nil})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.wait)
	defer cancel()
	// One call answers every page of a query.
	res, stale, err := load(ctx, s.cache, "search "+q, func(ctx context.Context) (*legion.SearchResult, error) {
		return s.c.Search(ctx, q, &legion.SearchOptions{Limit: searchRanked})
	})
	if err != nil {
		s.failRegistry(w, r, err, "")
		return
	}
	d := searchData{Total: res.Total, Ranked: len(res.Results), Page: pageNo, Pages: pages(len(res.Results))}
	if pageNo > d.Pages {
		s.fail(w, r, http.StatusNotFound, "Not found", "The results have only "+group(int64(d.Pages))+" page"+plural(d.Pages)+".")
		return
	}
	start := (pageNo - 1) * pageSize
	d.Results = res.Results[start:min(start+pageSize, len(res.Results))]
	d.First, d.Last = start+1, start+len(d.Results)
	d.Prev, d.Next = neighbours(pageNo, d.Pages)
	s.render(w, r, http.StatusOK, "search", page{Title: "Search: " + q, Query: q, Stale: stale, Data: d})
}
