package cli

import (
	"os"
	"path/filepath"
	"sync"
)

// prestage holds the modules the prefetcher downloaded while the
// resolution still ran, each written to a directory of its own
// (<name>@<version>) beside the project, so that staging moves it into
// place with one rename instead of writing it after the resolution: the
// disk's work overlaps the network's, as the downloads do. A version the
// solver gave up is never taken, and the whole directory is removed at the
// end of the run (a killed run's is removed with the staging leftovers).
type prestage struct {
	projectDir string

	mu    sync.Mutex
	dir   string                  // made on first use
	ready map[string]prestagedDir // name@version →
}

type prestagedDir struct{ path, sri string }

func newPrestage(projectDir string) *prestage {
	return &prestage{projectDir: projectDir, ready: map[string]prestagedDir{}}
}

// put writes one version's files; a failure only means staging writes the
// module itself.
func (p *prestage) put(name, version, sri string, files map[string][]byte) {
	if p == nil {
		return
	}
	p.mu.Lock()
	if p.dir == "" {
		dir, err := createUnique(p.projectDir, ".legion_modules.staging-pre-", func(path string) error {
			return os.Mkdir(path, 0o777)
		})
		if err != nil {
			p.mu.Unlock()
			return
		}
		p.dir = dir
	}
	dir := p.dir
	p.mu.Unlock()
	path := filepath.Join(dir, name+"@"+version)
	if err := writeModule(path, files); err != nil {
		os.RemoveAll(path)
		return
	}
	p.mu.Lock()
	p.ready[name+"@"+version] = prestagedDir{path, sri}
	p.mu.Unlock()
}

// take hands over name@version's directory, once.
func (p *prestage) take(name, version string) (prestagedDir, bool) {
	if p == nil {
		return prestagedDir{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.ready[name+"@"+version]
	delete(p.ready, name+"@"+version)
	return d, ok
}

// remove deletes what was not taken.
func (p *prestage) remove() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}
