package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed assets
var assetFS embed.FS

// assets are the static files, read once: each with its gzipped form and
// a hash of its content, which the pages put in its URL (?v=…) so that a
// browser may keep it for a year and still see a new version at once.
type assets map[string]asset

type asset struct {
	body, gz    []byte
	hash, ctype string
}

func loadAssets() assets {
	a := assets{}
	files, _ := fs.ReadDir(assetFS, "assets")
	for _, f := range files {
		body, err := assetFS.ReadFile("assets/" + f.Name())
		if err != nil {
			panic(err) // embedded: cannot happen
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		sum := sha256.Sum256(body)
		a[f.Name()] = asset{body: body, gz: gz.Bytes(), hash: hex.EncodeToString(sum[:6]), ctype: mime.TypeByExtension(path.Ext(f.Name()))}
	}
	return a
}

// url is the versioned URL of an asset, for templates.
func (a assets) url(name string) string {
	return "/assets/" + name + "?v=" + a[name].hash
}

// asset serves one static file. There is no listing: /assets/ is a 404
// like any name that is not a file.
func (s *server) asset(w http.ResponseWriter, r *http.Request) {
	f, ok := s.assets[r.PathValue("file")]
	if !ok {
		s.fail(w, r, http.StatusNotFound, "Page not found", "There is no file at "+r.URL.Path+".")
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", `"`+f.hash+`"`)
	h.Set("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=3600")
	}
	if r.Header.Get("If-None-Match") == `"`+f.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if acceptsGzip(r) && len(f.gz) < len(f.body) {
		body = f.gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}
