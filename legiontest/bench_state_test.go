package legiontest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

// Run: go test -run '^$' -bench 'SeedUsers|Restore100k|Seed100k|Stats|UserPackages' -benchtime 3x -benchmem ./legiontest/

// usersSeed is a seed of n users, each with a token.
func usersSeed(n int) legiontest.Seed {
	var s legiontest.Seed
	for i := range n {
		name := fmt.Sprintf("user-%04d", i)
		s.Users = append(s.Users, legiontest.SeedUser{Username: name, Email: name + "@example.com", Password: "password-" + name,
			Tokens: []legiontest.SeedToken{{Name: "ci"}}})
	}
	return s
}

func benchSeedUsers(b *testing.B, opts ...legiontest.Option) {
	s := usersSeed(1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := legiontest.NewRegistry(opts...)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Seed(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeedUsers1k seeds 1,000 users with the default (test) hashing.
func BenchmarkSeedUsers1k(b *testing.B) { benchSeedUsers(b) }

// BenchmarkSeedUsers1kStrong is the baseline: the same with the hashing
// legion-registry -state uses (the former default).
func BenchmarkSeedUsers1kStrong(b *testing.B) {
	benchSeedUsers(b, legiontest.WithPasswordIterations(legiontest.StrongPasswordIterations))
}

// bigSeed is 100,000 packages of one version each, owned by 1,000 users
// (the packages of BenchmarkSeed100k).
func bigSeed() legiontest.Seed {
	const n = 100_000
	s := usersSeed(1000)
	for i := range n {
		w1, w2, w3 := benchWords[i%10], benchWords[(i/10)%10], benchWords[(i/100)%10]
		s.Packages = append(s.Packages, legiontest.SeedPackage{
			Name:        fmt.Sprintf("%s-%s-%05d", w1, w2, i),
			Owner:       fmt.Sprintf("user-%04d", i%1000),
			Description: fmt.Sprintf("A %s library for %s", w2, w3),
			License:     "MIT",
			Keywords:    []string{w3, w1 + w2},
			Versions:    []legiontest.SeedVersion{{Version: "1.0.0", Dependencies: map[string]string{"dep": "^1.0.0"}}},
			Downloads:   int64(i * 7919 % 10007),
		})
	}
	return s
}

// benchLoad measures building a registry from the same data as a seed
// file (baseline: LoadSeed and Seed, as legion-registry -seed does) or as
// a snapshot (Restore, as -state does), with the bytes allocated.
func benchLoad(b *testing.B, snapshot bool) {
	s := bigSeed()
	src, err := legiontest.NewRegistry(legiontest.WithSeed(s))
	if err != nil {
		b.Fatal(err)
	}
	data, err := src.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	src = nil
	seedJSON, err := json.Marshal(s)
	if err != nil {
		b.Fatal(err)
	}
	seedFile := filepath.Join(b.TempDir(), "seed.json")
	if err := os.WriteFile(seedFile, seedJSON, 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var heap int64
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r, err := legiontest.NewRegistry()
		if err != nil {
			b.Fatal(err)
		}
		if snapshot {
			err = r.Restore(data)
		} else {
			var fs legiontest.Seed
			if fs, err = legiontest.LoadSeed(seedFile); err == nil {
				err = r.Seed(fs)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		heap += int64(after.TotalAlloc - before.TotalAlloc)
		runtime.KeepAlive(r)
	}
	b.ReportMetric(float64(heap)/float64(b.N)/1e6, "MB-allocated")
	b.ReportMetric(float64(len(data))/1e6, "MB-snapshot")
	b.ReportMetric(float64(len(seedJSON))/1e6, "MB-seed")
}

// BenchmarkLoadSeed100k is the baseline of BenchmarkLoadRestore100k.
func BenchmarkLoadSeed100k(b *testing.B)    { benchLoad(b, false) }
func BenchmarkLoadRestore100k(b *testing.B) { benchLoad(b, true) }

// usersRegistry100k is bigSeed loaded once, shared by read benchmarks.
func usersRegistry100k(b *testing.B) *legiontest.Registry {
	benchRegsMu.Lock()
	defer benchRegsMu.Unlock()
	const key = -100_000
	if r := benchRegs[key]; r != nil {
		return r
	}
	r, err := legiontest.NewRegistry(legiontest.WithSeed(bigSeed()))
	if err != nil {
		b.Fatal(err)
	}
	benchRegs[key] = r
	return r
}

// BenchmarkStats100k: GET /stats at 100,000 packages.
func BenchmarkStats100k(b *testing.B) { serve(b, usersRegistry100k(b), "/api/v1/stats") }

// BenchmarkUserPackages100k: GET /users/:name/packages (100 packages) at
// 100,000 packages.
func BenchmarkUserPackages100k(b *testing.B) {
	serve(b, usersRegistry100k(b), "/api/v1/users/user-0007/packages")
}

// BenchmarkUserPackagesBaseline is the same user's 100 packages in a
// registry that holds nothing else: the floor.
func BenchmarkUserPackagesBaseline(b *testing.B) {
	s := bigSeed()
	var small legiontest.Seed
	small.Users = s.Users
	for _, p := range s.Packages {
		if p.Owner == "user-0007" {
			small.Packages = append(small.Packages, p)
		}
	}
	r, err := legiontest.NewRegistry(legiontest.WithSeed(small))
	if err != nil {
		b.Fatal(err)
	}
	serve(b, r, "/api/v1/users/user-0007/packages")
}

// BenchmarkStatsBaseline is /stats of a registry of 100 packages: the floor.
func BenchmarkStatsBaseline(b *testing.B) {
	s := bigSeed()
	s.Packages = s.Packages[:100]
	r, err := legiontest.NewRegistry(legiontest.WithSeed(s))
	if err != nil {
		b.Fatal(err)
	}
	serve(b, r, "/api/v1/stats")
}

// BenchmarkSnapshot100k writes the state of 100,000 packages, as
// legion-registry -state saves it; BenchmarkSnapshotBaseline100k is
// json.Marshal of the same data as a Seed, the floor.
func BenchmarkSnapshot100k(b *testing.B) {
	r := usersRegistry100k(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.Snapshot(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSnapshotBaseline100k(b *testing.B) {
	s := bigSeed()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := json.Marshal(s); err != nil {
			b.Fatal(err)
		}
	}
}
