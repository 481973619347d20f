package legiontest_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

func TestPublishOwnershipAndConflicts(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	alice := addUser(t, srv, "alice")
	bob := addUser(t, srv, "bob")

	req := legion.PublishRequest{
		Name: "legion-mylib", Version: "1.0.0", Description: "My lib", License: "MIT",
		Keywords: []string{"lib", "demo"}, Readme: "# mylib", Dependencies: map[string]string{"legion-http": "^1.0.0"},
	}
	pv := publish(t, alice, req)
	want := legion.PackageVersion{
		Name: "legion-mylib", Version: mustV("1.0.0"), Description: "My lib", Author: "alice", License: "MIT",
		Keywords: []string{"lib", "demo"}, Readme: "# mylib", Dependencies: map[string]string{"legion-http": "^1.0.0"}, PublishedAt: t0,
	}
	if diff := cmp.Diff(want, *pv, cmpOpts); diff != "" {
		t.Errorf("Publish (-want +got):\n%s", diff)
	}
	if got := srv.Requests(); got[len(got)-1].Status != http.StatusCreated {
		t.Errorf("publish answered %d, want 201", got[len(got)-1].Status)
	}

	_, err := alice.Publish(ctx(), req)
	wantStatus(t, err, 409, "already published")
	if !errors.Is(err, legion.ErrConflict) {
		t.Errorf("republish: %v", err)
	}
	// Build metadata does not make another version.
	_, err = alice.Publish(ctx(), legion.PublishRequest{Name: "legion-mylib", Version: "1.0.0+build.7"})
	wantStatus(t, err, 409, "already published")

	_, err = bob.Publish(ctx(), legion.PublishRequest{Name: "legion-mylib", Version: "2.0.0"})
	if !errors.Is(err, legion.ErrForbidden) {
		t.Errorf("publish over another's package: %v, want ErrForbidden", err)
	}
	if err := bob.Unpublish(ctx(), "legion-mylib"); !errors.Is(err, legion.ErrForbidden) {
		t.Errorf("unpublish another's package: %v, want ErrForbidden", err)
	}
	if err := alice.Unpublish(ctx(), "nothing-here"); !errors.Is(err, legion.ErrNotFound) {
		t.Errorf("unpublish unknown: %v, want ErrNotFound", err)
	}

	clock.Advance(time.Hour)
	publish(t, alice, legion.PublishRequest{Name: "legion-mylib", Version: "1.1.0", Description: "newer"})
	p, ok := srv.Package("legion-mylib")
	if !ok || !p.CreatedAt.Equal(t0) || !p.UpdatedAt.Equal(t0.Add(time.Hour)) || p.Author != "alice" {
		t.Errorf("package = %+v", p)
	}

	// Invalid input the SDK lets through is refused by the registry.
	for _, tc := range []struct {
		req legion.PublishRequest
		msg string
	}{
		{legion.PublishRequest{Name: "UpperCase", Version: "1.0.0"}, "name"},
		{legion.PublishRequest{Name: ".hidden", Version: "1.0.0"}, "name"},
		{legion.PublishRequest{Name: "a/b", Version: "1.0.0"}, "name"},
		{legion.PublishRequest{Name: strings.Repeat("x", 65), Version: "1.0.0"}, "name"},
		{legion.PublishRequest{Name: "publish", Version: "1.0.0"}, "reserved"},
		{legion.PublishRequest{Name: "ok-name", Version: "1.0.0", Dependencies: map[string]string{"Bad": "^1.0.0"}}, "dependencies"},
	} {
		_, err := alice.Publish(ctx(), tc.req)
		wantStatus(t, err, 400, tc.msg)
	}
	// 64 characters with dots and underscores is fine.
	publish(t, alice, legion.PublishRequest{Name: "a.b_c-" + fmt.Sprintf("%058d", 0), Version: "0.0.1"})

	// Unpublish removes every version and its advisories, and frees the name.
	if err := srv.AddAdvisory(legiontest.SeedAdvisory{Package: "legion-mylib", Affected: "<1.0.0", Severity: legion.SeverityHigh, Title: "old"}); err != nil {
		t.Fatal(err)
	}
	if err := alice.Unpublish(ctx(), "legion-mylib"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.GetPackage(ctx(), "legion-mylib"); !errors.Is(err, legion.ErrNotFound) {
		t.Errorf("GetPackage after unpublish: %v", err)
	}
	if vs := srv.Versions("legion-mylib"); vs != nil {
		t.Errorf("versions after unpublish: %v", vs)
	}
	publish(t, bob, legion.PublishRequest{Name: "legion-mylib", Version: "0.1.0"})
	if p, _ := srv.Package("legion-mylib"); p.Author != "bob" {
		t.Errorf("new owner = %q, want bob", p.Author)
	}
	if rep, err := bob.Audit(ctx(), map[string]string{"legion-mylib": "^0.1.0"}); err != nil || !rep.Clean {
		t.Errorf("audit of the new owner's package = %+v, %v; want clean", rep, err)
	}
}

func TestLatestIsHighestReleaseBySemver(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	alice := addUser(t, srv, "alice")
	anon := srv.Client()

	for i, v := range []string{"1.0.0", "2.0.0", "1.10.0", "1.9.0", "3.0.0-rc.1", "2.0.0-beta.2"} {
		clock.Set(t0.Add(time.Duration(i) * time.Minute))
		publish(t, alice, legion.PublishRequest{
			Name: "lib", Version: v, Description: "lib " + v, Readme: "readme " + v,
			Dependencies: map[string]string{"dep": "~" + v},
		})
	}
	p, err := anon.GetPackage(ctx(), "lib")
	if err != nil {
		t.Fatal(err)
	}
	want := legion.Package{
		Name: "lib", Description: "lib 2.0.0", Author: "alice", Readme: "readme 2.0.0", Latest: mustV("2.0.0"),
		Versions: []legion.PackageVersion{
			{Version: mustV("1.0.0"), PublishedAt: t0},
			{Version: mustV("1.9.0"), PublishedAt: t0.Add(3 * time.Minute)},
			{Version: mustV("1.10.0"), PublishedAt: t0.Add(2 * time.Minute)},
			{Version: mustV("2.0.0-beta.2"), PublishedAt: t0.Add(5 * time.Minute)},
			{Version: mustV("2.0.0"), PublishedAt: t0.Add(time.Minute)},
			{Version: mustV("3.0.0-rc.1"), PublishedAt: t0.Add(4 * time.Minute)},
		},
		Dependencies: map[string]string{"dep": "~2.0.0"},
		Downloads:    1,
		CreatedAt:    t0,
		UpdatedAt:    t0.Add(5 * time.Minute),
	}
	if diff := cmp.Diff(want, *p, cmpOpts); diff != "" {
		t.Errorf("GetPackage (-want +got):\n%s", diff)
	}

	vs, err := anon.ListVersions(ctx(), "lib")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.Version.Original())
		if v.Name != "lib" || v.Author != "alice" || v.Description != "lib "+v.Version.Original() || v.Readme != "" {
			t.Errorf("version entry %+v", v)
		}
	}
	if diff := cmp.Diff([]string{"1.0.0", "1.9.0", "1.10.0", "2.0.0-beta.2", "2.0.0", "3.0.0-rc.1"}, got); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}

	d, err := anon.Download(ctx(), "lib", legion.Latest)
	if err != nil {
		t.Fatal(err)
	}
	wantD := legion.PackageVersion{Name: "lib", Version: mustV("2.0.0"), Description: "lib 2.0.0", Author: "alice",
		Readme: "readme 2.0.0", Dependencies: map[string]string{"dep": "~2.0.0"}, PublishedAt: t0.Add(time.Minute)}
	if diff := cmp.Diff(wantD, *d, cmpOpts); diff != "" {
		t.Errorf("Download latest (-want +got):\n%s", diff)
	}
	d, err = anon.Download(ctx(), "lib", "1.9.0")
	if err != nil || d.Version.Original() != "1.9.0" || d.Readme != "readme 1.9.0" {
		t.Errorf("Download 1.9.0 = %+v, %v", d, err)
	}
	_, err = anon.Download(ctx(), "lib", "9.9.9")
	wantStatus(t, err, 404, "9.9.9")
	_, err = anon.Download(ctx(), "nothing", "1.0.0")
	wantStatus(t, err, 404, "nothing")

	r, err := anon.Resolve(ctx(), "lib", "^1.0.0")
	if err != nil || r.Version.Original() != "1.10.0" {
		t.Errorf("Resolve ^1.0.0 = %v, %v", r, err)
	}

	// Only prereleases: latest is the highest prerelease.
	publish(t, alice, legion.PublishRequest{Name: "pre", Version: "1.0.0-alpha.1"})
	publish(t, alice, legion.PublishRequest{Name: "pre", Version: "1.0.0-alpha.10"})
	publish(t, alice, legion.PublishRequest{Name: "pre", Version: "1.0.0-alpha.2"})
	if p, _ := srv.Package("pre"); p.Latest.Original() != "1.0.0-alpha.10" {
		t.Errorf("latest of prereleases = %v", p.Latest)
	}
	if d, err := anon.Download(ctx(), "pre", "latest"); err != nil || d.Version.Original() != "1.0.0-alpha.10" {
		t.Errorf("Download pre latest = %v, %v", d, err)
	}
}

func TestOnlyGetPackageCountsDownloads(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	alice := addUser(t, srv, "alice")
	publish(t, alice, legion.PublishRequest{Name: "counted", Version: "1.0.0", Keywords: []string{"x"}})
	anon := srv.Client()

	check := func(step string, want int64) {
		t.Helper()
		if got := srv.Downloads("counted"); got != want {
			t.Fatalf("after %s: downloads = %d, want %d", step, got, want)
		}
	}
	mustOK := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mustOK(anon.ListPackages(ctx(), nil))
	mustOK(anon.Search(ctx(), "counted", nil))
	mustOK(anon.ListVersions(ctx(), "counted"))
	mustOK(anon.Download(ctx(), "counted", "1.0.0"))
	mustOK(anon.Download(ctx(), "counted", "latest"))
	mustOK(anon.Resolve(ctx(), "counted", "^1"))
	mustOK(anon.Stats(ctx()))
	mustOK(anon.ListUserPackages(ctx(), "alice"))
	mustOK(anon.Audit(ctx(), map[string]string{"counted": "*"}))
	srv.Package("counted")
	srv.Versions("counted")
	check("every other endpoint", 0)

	for i := int64(1); i <= 3; i++ {
		p, err := anon.GetPackage(ctx(), "counted")
		if err != nil {
			t.Fatal(err)
		}
		if p.Downloads != i {
			t.Errorf("GetPackage #%d shows %d downloads", i, p.Downloads)
		}
	}
	check("3 × GetPackage", 3)
	if _, err := anon.GetPackage(ctx(), "missing"); !errors.Is(err, legion.ErrNotFound) {
		t.Errorf("GetPackage missing: %v", err)
	}
	if err := srv.SetDownloads("counted", 1000); err != nil {
		t.Fatal(err)
	}
	check("SetDownloads", 1000)
}

func TestConcurrentPublishSameVersion(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	alice := addUser(t, srv, "alice")
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = alice.Publish(ctx(), legion.PublishRequest{Name: "race", Version: "1.0.0", Description: fmt.Sprint(i)})
		}()
	}
	wg.Wait()
	var created, conflicts int
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case errors.Is(err, legion.ErrConflict):
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if created != 1 || conflicts != n-1 {
		t.Errorf("%d created, %d conflicts; want 1 and %d", created, conflicts, n-1)
	}
	statuses := map[int]int{}
	for _, r := range srv.Requests() {
		statuses[r.Status]++
	}
	if diff := cmp.Diff(map[int]int{201: 1, 409: n - 1}, statuses); diff != "" {
		t.Errorf("recorded statuses (-want +got):\n%s", diff)
	}
	if vs := srv.Versions("race"); len(vs) != 1 {
		t.Errorf("versions = %v", vs)
	}
	list, err := srv.Client().ListPackages(ctx(), nil)
	if err != nil || list.Total != 1 {
		t.Errorf("list = %+v, %v", list, err)
	}
}

func TestEscapedNamesThroughSDK(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	alice := addUser(t, srv, "alice")
	publish(t, alice, legion.PublishRequest{Name: "a", Version: "1.0.0"})
	anon := srv.Client()
	for _, name := range []string{"..", ".", "a/b", "a/versions", "a b"[:1] + "%2F"} {
		_, err := anon.GetPackage(ctx(), name)
		wantStatus(t, err, 404, fmt.Sprintf("%q", name))
		_, err = anon.ListVersions(ctx(), name)
		wantStatus(t, err, 404, fmt.Sprintf("%q", name))
	}
	if srv.Downloads("a") != 0 {
		t.Errorf("an escaped name reached package a")
	}
}
