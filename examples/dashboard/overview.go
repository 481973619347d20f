package main

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	legion "github.com/legion-registry/legion-go"
)

// Each handler reads the registry only through the cache and through
// listings, search, the versions and download-metadata endpoints and
// audit: never GET /packages/:name, which counts a download.

type overviewData struct {
	Stats          *legion.Stats
	Top            *legion.PackageList
	FirstRank      int
	Prev, Next     int // 0: no such page
	Page, Pages    int
	Recent, Newest []legion.Package
	Chart          chart
}

func (s *server) overview(w http.ResponseWriter, r *http.Request) {
	pageNo, ok := intParam(r, "page", 1)
	if !ok {
		s.fail(w, r, http.StatusBadRequest, "Bad request", "page must be a whole number from 1 up.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.wait)
	defer cancel()
	var d overviewData
	var recent, newest, first *legion.PackageList
	f := fetches{ctx: ctx}
	f.goFetch(func(ctx context.Context) (st time.Time, err error) {
		d.Stats, st, err = load(ctx, s.cache, "stats", s.c.Stats)
		return st, err
	})
	f.goFetch(func(ctx context.Context) (st time.Time, err error) {
		d.Top, st, err = s.list(ctx, legion.SortDownloads, pageNo, pageSize)
		return st, err
	})
	f.goFetch(func(ctx context.Context) (st time.Time, err error) {
		recent, st, err = s.list(ctx, legion.SortRecent, 1, 8)
		return st, err
	})
	f.goFetch(func(ctx context.Context) (st time.Time, err error) {
		newest, st, err = s.list(ctx, legion.SortNewest, 1, 8)
		return st, err
	})
	if pageNo != 1 { // the chart shows the top of the registry whatever the page
		f.goFetch(func(ctx context.Context) (st time.Time, err error) {
			first, st, err = s.list(ctx, legion.SortDownloads, 1, pageSize)
			return st, err
		})
	}
	stale, err := f.wait()
	if err != nil {
		s.failRegistry(w, r, err, "")
		return
	}
	d.Recent, d.Newest = recent.Packages, newest.Packages
	d.Page, d.Pages = pageNo, pages(d.Top.Total)
	if pageNo > d.Pages {
		s.fail(w, r, http.StatusNotFound, "Not found", "The list has only "+group(int64(d.Pages))+" page"+plural(d.Pages)+".")
		return
	}
	d.FirstRank = (pageNo-1)*pageSize + 1
	d.Prev, d.Next = neighbours(pageNo, d.Pages)
	top := d.Top.Packages
	if first != nil {
		top = first.Packages
	}
	d.Chart = barChart(top[:min(chartBars, len(top))])
	s.render(w, r, http.StatusOK, "overview", page{Title: "Overview", Stale: stale, Data: d})
}

func (s *server) list(ctx context.Context, sort legion.Sort, pageNo, limit int) (*legion.PackageList, time.Time, error) {
	key := "list " + string(sort) + " " + strconv.Itoa(pageNo) + " " + strconv.Itoa(limit)
	return load(ctx, s.cache, key, func(ctx context.Context) (*legion.PackageList, error) {
		return s.c.ListPackages(ctx, &legion.ListOptions{Sort: sort, Page: pageNo, Limit: limit})
	})
}

// pages is how many pages of pageSize rows hold total rows (at least one).
func pages(total int) int { return max(1, (total+pageSize-1)/pageSize) }

// neighbours are the previous and next pages, 0 where there is none: the
// pager never links to a page the dashboard would refuse.
func neighbours(pageNo, pages int) (prev, next int) {
	if pageNo > 1 {
		prev = min(pageNo-1, pages)
	}
	if pageNo < pages {
		next = pageNo + 1
	}
	return prev, next
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// intParam reads a positive integer query parameter, def when absent.
func intParam(r *http.Request, name string, def int) (int, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	// The bound only keeps page*pageSize from overflowing; the registry's
	// total decides which pages exist.
	return n, err == nil && n >= 1 && n <= math.MaxInt32/pageSize
}
