package main

import (
	"strconv"

	legion "github.com/legion-registry/legion-go"
)

// chart is a horizontal bar chart laid out on the server for
// overview.html: an HTML list, so that names wrap and text keeps its size
// on any screen, with each bar and the axis drawn in SVG in percent of the
// width there is (no viewBox: nothing is scaled down). No script, nothing
// to fetch, readable without CSS.
type chart struct {
	Bars  []bar
	Ticks []tick
}

type bar struct {
	Name      string
	Downloads int64
	Pct       string // length of the bar, in percent of the plot
}

type tick struct {
	Pct, Label string
	Anchor     string // text-anchor: the first and last label stay inside
}

func barChart(ps []legion.Package) chart {
	var c chart
	var most int64 = 1
	for _, p := range ps {
		most = max(most, p.Downloads)
	}
	scale := niceCeil(most)
	for _, p := range ps {
		pct := max(0.5, 100*float64(p.Downloads)/float64(scale))
		c.Bars = append(c.Bars, bar{Name: p.Name, Downloads: p.Downloads, Pct: percent(pct)})
	}
	for i := 0; i <= 4; i++ {
		anchor := "middle"
		switch i {
		case 0:
			anchor = "start"
		case 4:
			anchor = "end"
		}
		c.Ticks = append(c.Ticks, tick{Pct: percent(float64(25 * i)), Label: short(scale * int64(i) / 4), Anchor: anchor})
	}
	return c
}

func percent(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) + "%" }

// niceCeil rounds n up to 1, 2 or 5 times a power of ten, so that the
// axis reads in round numbers.
func niceCeil(n int64) int64 {
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// short writes 1500 as 1.5k and 2000000 as 2M.
func short(n int64) string {
	switch {
	case n >= 1_000_000:
		return trim(float64(n)/1e6) + "M"
	case n >= 1_000:
		return trim(float64(n)/1e3) + "k"
	}
	return group(n)
}

func trim(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}
