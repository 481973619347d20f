package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
)

// memSource is an in-memory Source: "name" → "version" → dependencies.
type memSource struct {
	pkgs map[string]map[string]map[string]string
	fail map[string]error // by "name" (versions) or "name@version" (fetch)
	// listsWithoutDeps makes Versions answer as a registry whose versions
	// list does not carry dependencies.
	listsWithoutDeps bool

	mu    sync.Mutex
	calls []string
}

func (s *memSource) record(c string) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}

func (s *memSource) Versions(ctx context.Context, name string) ([]legion.PackageVersion, error) {
	s.record("versions " + name)
	if err := s.fail[name]; err != nil {
		return nil, err
	}
	vs, ok := s.pkgs[name]
	if !ok {
		return nil, fmt.Errorf("listing versions of %s: %w", name, legion.ErrNotFound)
	}
	var out []legion.PackageVersion
	for v, d := range vs {
		pv := legion.PackageVersion{Version: semver.MustParse(v)}
		if !s.listsWithoutDeps {
			pv.Dependencies = maps.Clone(d)
			if pv.Dependencies == nil {
				pv.Dependencies = map[string]string{}
			}
		}
		out = append(out, pv)
	}
	return out, nil
}

func (s *memSource) Fetch(ctx context.Context, name string, v *semver.Version) (*legion.PackageVersion, error) {
	s.record("fetch " + name + "@" + v.Original())
	if err := s.fail[name+"@"+v.Original()]; err != nil {
		return nil, err
	}
	deps, ok := s.pkgs[name][v.Original()]
	if !ok {
		return nil, legion.ErrNotFound
	}
	return &legion.PackageVersion{Name: name, Version: v, Dependencies: maps.Clone(deps), Readme: "# " + name}, nil
}

func (s *memSource) sortedCalls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(slices.Values(s.calls))
}

type deps = map[string]string

func solve(t *testing.T, src Source, lock *Lock, root deps) (*Resolution, error) {
	t.Helper()
	s := &Solver{Root: "app", Source: src, Lock: lock}
	return s.Solve(context.Background(), root)
}

// versions renders a resolution as "a@1.0.0 b@2.0.0".
func versions(r *Resolution) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(r.Packages)) {
		parts = append(parts, name+"@"+r.Packages[name].Version.Original())
	}
	return strings.Join(parts, " ")
}

func TestSolveTransitive(t *testing.T) {
	src := &memSource{pkgs: map[string]map[string]deps{
		"http": {"1.0.0": {"core": "^1.0.0"}, "1.2.0": {"core": "^1.1.0", "log": "~0.3"}, "2.0.0-rc.1": {}},
		"core": {"1.0.0": nil, "1.1.0": nil, "1.4.2": nil, "2.0.0": nil},
		"log":  {"0.3.0": nil, "0.3.9": nil, "0.4.0": nil},
	}}
	res, err := solve(t, src, nil, deps{"http": "^1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := versions(res), "core@1.4.2 http@1.2.0 log@0.3.9"; got != want {
		t.Errorf("resolved %s, want %s", got, want)
	}
	if got := res.Packages["http"].Dependencies; !maps.Equal(got, deps{"core": "^1.1.0", "log": "~0.3"}) {
		t.Errorf("http's dependencies = %v", got)
	}
	// The versions lists carry the dependencies: one request per package.
	want := []string{"versions core", "versions http", "versions log"}
	if got := src.sortedCalls(); !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}

	// A registry whose lists lack dependencies: only the chosen versions
	// are fetched, each once.
	src.calls, src.listsWithoutDeps = nil, true
	res, err = solve(t, src, nil, deps{"http": "^1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := versions(res), "core@1.4.2 http@1.2.0 log@0.3.9"; got != want {
		t.Errorf("without dependencies in the lists: resolved %s, want %s", got, want)
	}
	want = []string{"fetch core@1.4.2", "fetch http@1.2.0", "fetch log@0.3.9", "versions core", "versions http", "versions log"}
	if got := src.sortedCalls(); !slices.Equal(got, want) {
		t.Errorf("without dependencies in the lists: calls = %q, want %q", got, want)
	}
}

func TestSolveSharedDependencyGetsHighestSatisfyingAll(t *testing.T) {
	src := &memSource{pkgs: map[string]map[string]deps{
		"a": {"1.0.0": {"c": ">=1.1.0"}},
		"b": {"1.0.0": {"c": "<1.3.0"}},
		"c": {"1.0.0": nil, "1.1.0": nil, "1.2.5": nil, "1.3.0": nil, "1.9.0": nil},
	}}
	res, err := solve(t, src, nil, deps{"a": "1", "b": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := versions(res), "a@1.0.0 b@1.0.0 c@1.2.5"; got != want {
		t.Errorf("resolved %s, want %s", got, want)
	}
}

func TestSolveConflictNamesBothChains(t *testing.T) {
	src := &memSource{pkgs: map[string]map[string]deps{
		"a": {"1.0.0": {"c": "^1"}},
		"b": {"1.0.0": {"d": "^2"}, "2.0.0": {"c": "^2"}},
		"c": {"1.0.0": nil, "1.5.0": nil, "2.0.0": nil},
		"d": {"2.0.0": nil},
	}}
	_, err := solve(t, src, nil, deps{"a": "^1.0.0", "b": "^2.0.0"})
	if !errors.Is(err, ErrDependencyConflict) {
		t.Fatalf("err = %v, want a dependency conflict", err)
	}
	want := "no set of versions satisfies every dependency:\n" +
		"Because a depends on c ^1 and b >=2.0.0 depends on c ^2, a is incompatible with b >=2.0.0.\n" +
		"So, because app depends on both a ^1.0.0 and b ^2.0.0, version solving failed."
	if err.Error() != want {
		t.Errorf("err =\n  %s\nwant\n  %s", err, want)
	}
	if ExitCode(err) != ExitConflict {
		t.Errorf("exit code %d, want %d", ExitCode(err), ExitConflict)
	}
}

func TestSolveConflictDeepChain(t *testing.T) {
	src := &memSource{pkgs: map[string]map[string]deps{
		"a": {"1.0.0": {"x": "1.0.0"}},
		"x": {"1.0.0": {"c": "~1.0"}},
		"c": {"1.0.0": nil, "1.1.0": nil},
	}}
	_, err := solve(t, src, nil, deps{"a": "1", "c": "^1.1.0"})
	want := "no set of versions satisfies every dependency:\n" +
		"Because a depends on x 1.0.0 which depends on c ~1.0, a requires c ~1.0.\n" +
		"So, because app depends on both a 1 and c ^1.1.0, version solving failed."
	if err == nil || err.Error() != want || ExitCode(err) != ExitConflict {
		t.Errorf("err =\n  %v\nwant\n  %s", err, want)
	}
}

func TestSolveNoMatchingVersion(t *testing.T) {
	src := &memSource{pkgs: map[string]map[string]deps{
		"a": {"1.0.0": {"c": "^3"}},
		"c": {"1.0.0": nil, "2.0.0": nil},
	}}
	_, err := solve(t, src, nil, deps{"a": "^1"})
	if !errors.Is(err, legion.ErrNoMatchingVersion) || ExitCode(err) != ExitNotFound {
		t.Fatalf("err = %v (exit %d), want no matching version (exit 4)", err, ExitCode(err))
	}
	want := "no set of versions satisfies every dependency:\n" +
		"Because app depends on a ^1 which depends on c ^3 which doesn't match any versions, version solving failed."
	if err.Error() != want {
		t.Errorf("err = %s, want %s", err, want)
	}
}

func TestSolveMissingPackage(t *testing.T) {
	src := &memSource{pkgs: map[string]map[string]deps{"a": {"1.0.0": {"ghost": "^1"}}}}
	_, err := solve(t, src, nil, deps{"a": "^1"})
	if !errors.Is(err, legion.ErrNotFound) || ExitCode(err) != ExitNotFound {
		t.Fatalf("err = %v, want not found", err)
	}
	if want := "no set of versions satisfies every dependency:\n" +
		"Because app depends on a ^1 which depends on ghost which doesn't exist, version solving failed."; err.Error() != want {
		t.Errorf("err = %s, want %s", err, want)
	}
}

func TestSolveCycleThatResolves(t *testing.T) {
	src := &memSource{pkgs: map[string]map[string]deps{
		"ping": {"1.0.0": {"pong": "^1"}, "1.1.0": {"pong": "^1.1"}},
		"pong": {"1.0.0": {"ping": "^1"}, "1.1.0": {"ping": "^1.1"}},
	}}
	res, err := solve(t, src, nil, deps{"ping": "^1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := versions(res), "ping@1.1.0 pong@1.1.0"; got != want {
		t.Errorf("resolved %s, want %s", got, want)
	}
}

func TestSolveCycleThatConflicts(t *testing.T) {
	// a@1 needs b@^1, and b@1 needs a@^2: the cycle itself is impossible.
	src := &memSource{pkgs: map[string]map[string]deps{
		"a": {"1.0.0": {"b": "^1"}, "2.0.0": {"b": "^1"}},
		"b": {"1.0.0": {"a": "^2"}},
	}}
	_, err := solve(t, src, nil, deps{"a": "~1.0"})
	if !errors.Is(err, ErrDependencyConflict) {
		t.Fatalf("err = %v, want conflict", err)
	}
	want := "no set of versions satisfies every dependency:\n" +
		"Because a depends on b ^1 which depends on a ^2, a 1.0.0 is forbidden.\n" +
		"So, because app depends on a ~1.0, version solving failed."
	if err.Error() != want {
		t.Errorf("err =\n  %s\nwant\n  %s", err, want)
	}
}

func TestSolveCycleThatNeverSettles(t *testing.T) {
	// a@2 wants b@1, b@1 wants a@1, a@1 wants b@2, b@2 wants a@2: each choice
	// undoes the other and no assignment satisfies every range.
	src := &memSource{pkgs: map[string]map[string]deps{
		"a": {"1.0.0": {"b": "^2"}, "2.0.0": {"b": "^1"}},
		"b": {"1.0.0": {"a": "^1"}, "2.0.0": {"a": "^2"}},
	}}
	_, err := solve(t, src, nil, deps{"a": "*"})
	if !errors.Is(err, ErrDependencyConflict) {
		t.Fatalf("err = %v, want a cycle error", err)
	}
	want := "no set of versions satisfies every dependency:\n" +
		"Because a 1.0.0 depends on b ^2 which depends on a ^2, a 1.0.0 is forbidden.\n" +
		"Because a >=2.0.0 depends on b ^1 which depends on a ^1, a >=2.0.0 is forbidden.\n" +
		"Thus, a is forbidden.\n" +
		"So, because app depends on a *, version solving failed."
	if err.Error() != want {
		t.Errorf("err =\n%s\nwant\n%s", err, want)
	}
}

func TestSolveSelfDependency(t *testing.T) {
	src := &memSource{pkgs: map[string]map[string]deps{"a": {"1.0.0": {"a": "^1"}}}}
	res, err := solve(t, src, nil, deps{"a": "^1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := versions(res); got != "a@1.0.0" {
		t.Errorf("resolved %s", got)
	}
}

func TestSolveReusesLockWithoutRequests(t *testing.T) {
	lock := &Lock{LockfileVersion: 1, Packages: map[string]LockedPackage{
		"http": {Version: "1.0.0", Dependencies: deps{"core": "^1.0.0"}},
		"core": {Version: "1.0.0"},
		"old":  {Version: "3.0.0"}, // no longer needed: pruned
	}}
	src := &memSource{pkgs: map[string]map[string]deps{
		"http": {"1.0.0": {"core": "^1.0.0"}, "1.2.0": {"core": "^1.1.0"}},
		"core": {"1.0.0": nil, "1.1.0": nil},
	}}
	res, err := solve(t, src, lock, deps{"http": "^1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := versions(res), "core@1.0.0 http@1.0.0"; got != want {
		t.Errorf("resolved %s, want the locked %s", got, want)
	}
	if calls := src.sortedCalls(); len(calls) != 0 {
		t.Errorf("a satisfied lock made requests: %q", calls)
	}
	if res.Packages["http"].Meta != nil {
		t.Error("a locked package has fetched metadata")
	}
	// Offline works too.
	if _, err := (&Solver{Lock: lock}).Solve(context.Background(), deps{"http": "^1.0.0"}); err != nil {
		t.Errorf("offline solve with a complete lock: %v", err)
	}
	if _, err := (&Solver{Lock: lock}).Solve(context.Background(), deps{"http": "^1.2.0"}); !errors.Is(err, ErrOffline) {
		t.Errorf("offline solve that needs the registry: %v, want ErrOffline", err)
	}
}

func TestSolveLockPartlyStale(t *testing.T) {
	// legion.json now asks for http ^1.2.0: http moves, and its new range
	// on core moves core, while the untouched log stays locked.
	lock := &Lock{LockfileVersion: 1, Packages: map[string]LockedPackage{
		"http": {Version: "1.0.0", Dependencies: deps{"core": "^1.0.0"}},
		"core": {Version: "1.0.0"},
		"log":  {Version: "0.1.0"},
	}}
	src := &memSource{pkgs: map[string]map[string]deps{
		"http": {"1.0.0": {"core": "^1.0.0"}, "1.2.0": {"core": "^1.1.0"}},
		"core": {"1.0.0": nil, "1.1.0": nil},
		"log":  {"0.1.0": nil, "0.2.0": nil},
	}}
	res, err := solve(t, src, lock, deps{"http": "^1.2.0", "log": "*"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := versions(res), "core@1.1.0 http@1.2.0 log@0.1.0"; got != want {
		t.Errorf("resolved %s, want %s", got, want)
	}
	for _, c := range src.sortedCalls() {
		if strings.Contains(c, "log") {
			t.Errorf("asked the registry about the locked log: %s", c)
		}
	}
}

func TestSolveUnlock(t *testing.T) {
	lock := &Lock{LockfileVersion: 1, Packages: map[string]LockedPackage{"core": {Version: "1.0.0"}}}
	src := &memSource{pkgs: map[string]map[string]deps{"core": {"1.0.0": nil, "1.1.0": nil}}}
	s := &Solver{Source: src, Lock: lock, Unlock: map[string]bool{"core": true}}
	res, err := s.Solve(context.Background(), deps{"core": "*"})
	if err != nil {
		t.Fatal(err)
	}
	if got := versions(res); got != "core@1.1.0" {
		t.Errorf("resolved %s, want core@1.1.0", got)
	}
}

func TestSolvePrereleases(t *testing.T) {
	src := &memSource{pkgs: map[string]map[string]deps{"c": {"1.0.0": nil, "1.1.0-rc.1": nil}}}
	res, err := solve(t, src, nil, deps{"c": "^1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if got := versions(res); got != "c@1.0.0" {
		t.Errorf("^1.0.0 resolved %s, want c@1.0.0 (no prerelease)", got)
	}
	res, err = solve(t, src, nil, deps{"c": ">=1.1.0-rc.0"})
	if err != nil {
		t.Fatal(err)
	}
	if got := versions(res); got != "c@1.1.0-rc.1" {
		t.Errorf(">=1.1.0-rc.0 resolved %s, want the prerelease", got)
	}
}

func TestSolveRejectsUnsafeNamesFromRegistry(t *testing.T) {
	src := &memSource{pkgs: map[string]map[string]deps{"a": {"1.0.0": {"../../etc": "*"}}}}
	_, err := solve(t, src, nil, deps{"a": "*"})
	if err == nil || !strings.Contains(err.Error(), "bad name") {
		t.Fatalf("err = %v, want the unsafe name rejected", err)
	}
	if _, err := solve(t, src, nil, deps{"a/b": "*"}); err == nil {
		t.Error("an unsafe name in legion.json was accepted")
	}
}

func TestSolveInvalidRangeFromRegistry(t *testing.T) {
	src := &memSource{pkgs: map[string]map[string]deps{"a": {"1.0.0": {"b": "not a range"}}}}
	_, err := solve(t, src, nil, deps{"a": "*"})
	if err == nil || !strings.Contains(err.Error(), `a * which cannot be used: it depends on b with an invalid range "not a range"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestSolveWideGraphIsDeterministic(t *testing.T) {
	// 60 packages, each depending on the next five: many rounds of
	// concurrent fetches, and the same answer every time.
	pkgs := map[string]map[string]deps{}
	for i := 0; i < 60; i++ {
		d := deps{}
		for j := i + 1; j < 60 && j <= i+5; j++ {
			d[fmt.Sprintf("p%02d", j)] = "^1.0.0"
		}
		pkgs[fmt.Sprintf("p%02d", i)] = map[string]deps{"1.0.0": d, "1.1.0": d, "2.0.0": nil}
	}
	var first string
	for run := 0; run < 3; run++ {
		res, err := solve(t, &memSource{pkgs: pkgs}, nil, deps{"p00": "^1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Packages) != 60 {
			t.Fatalf("resolved %d packages, want 60", len(res.Packages))
		}
		got := string(res.Lock().Marshal())
		if run == 0 {
			first = got
		} else if got != first {
			t.Fatal("two runs resolved differently")
		}
	}
}

func TestForEachReportsLowestIndexFailure(t *testing.T) {
	boom := errors.New("boom")
	err := forEach(context.Background(), 20, 4, func(ctx context.Context, i int) error {
		if i == 3 || i == 11 {
			return fmt.Errorf("task %d: %w", i, boom)
		}
		<-ctx.Done() // every other task ends only by cancellation
		return ctx.Err()
	})
	if err == nil || err.Error() != "task 3: boom" {
		t.Errorf("err = %v, want task 3's", err)
	}
	var n int
	var mu sync.Mutex
	if err := forEach(context.Background(), 50, 3, func(ctx context.Context, i int) error {
		mu.Lock()
		n++
		mu.Unlock()
		return nil
	}); err != nil || n != 50 {
		t.Errorf("ran %d of 50, err %v", n, err)
	}
}

func TestSolveReportsEveryChoice(t *testing.T) {
	src := &memSource{pkgs: map[string]map[string]deps{
		"http": {"1.0.0": {"core": "^1.0.0"}, "1.2.0": {"core": "^1.1.0", "log": "~0.3"}},
		"core": {"1.0.0": nil, "1.4.2": nil},
		"log":  {"0.3.9": nil},
	}}
	var mu sync.Mutex
	var got []string
	s := &Solver{Root: "app", Source: src, OnChoose: func(name string, v *semver.Version) {
		mu.Lock()
		got = append(got, name+"@"+v.Original())
		mu.Unlock()
	}}
	if _, err := s.Solve(context.Background(), deps{"http": "^1"}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"core@1.4.2", "http@1.2.0", "log@0.3.9"}; !slices.Equal(got, want) {
		t.Errorf("OnChoose saw %q, want %q", got, want)
	}
}
