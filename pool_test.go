package legion

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// connServer counts the TCP connections clients open to it.
func connServer(t *testing.T, h http.HandlerFunc) (url string, opened, closed *atomic.Int64) {
	t.Helper()
	opened, closed = new(atomic.Int64), new(atomic.Int64)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			opened.Add(1)
		case http.StateClosed, http.StateHijacked:
			closed.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v1", opened, closed
}

// A service that derives one client per identity keeps one pool: 500
// clients with 500 tokens open no more connections than calls run at once.
func TestDerivedClientsShareOnePool(t *testing.T) {
	t.Parallel()
	u, opened, closed := connServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"user":{"username":"u"}}`)
	})
	base, err := NewClient(WithBaseURL(u))
	if err != nil {
		t.Fatal(err)
	}
	const clients, parallel = 500, 4
	var wg sync.WaitGroup
	work := make(chan int)
	errs := make(chan error, clients)
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				c, err := base.With(WithToken(fmt.Sprintf("lgn_%032d", i)))
				if err == nil {
					_, err = c.Me(context.Background())
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range clients {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := opened.Load(); n > parallel+2 {
		t.Errorf("%d clients making %d calls at a time opened %d connections, want at most %d", clients, parallel, n, parallel+2)
	}

	// CloseIdleConnections on any of them closes the one pool.
	derived, err := base.With(WithUserAgent("x/1"))
	if err != nil {
		t.Fatal(err)
	}
	derived.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for closed.Load() < opened.Load() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if c, o := closed.Load(), opened.Load(); c != o {
		t.Errorf("after CloseIdleConnections %d of %d connections are closed", c, o)
	}
}

// CloseIdleConnections never touches a pool the caller gave.
func TestCloseIdleConnectionsLeavesCallersPool(t *testing.T) {
	t.Parallel()
	ct := &countingTransport{}
	c, err := NewClient(WithHTTPClient(&http.Client{Transport: ct}))
	if err != nil {
		t.Fatal(err)
	}
	c.CloseIdleConnections()
	d, _ := c.With(WithUserAgent("x/1"))
	d.CloseIdleConnections()
	if ct.closed != 0 {
		t.Errorf("the caller's transport had its idle connections closed %d times", ct.closed)
	}
}

// Every method of a Client that NewClient did not build returns an error,
// never a panic.
func TestZeroClientErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []*Client{new(Client), nil} {
		v := reflect.ValueOf(c)
		typ := v.Type()
		for i := range typ.NumMethod() {
			m := typ.Method(i)
			ft := m.Type
			if ft.NumOut() == 0 || m.Name == "Format" {
				continue // CloseIdleConnections: nothing to fail
			}
			args := []reflect.Value{v}
			last := ft.NumIn()
			if ft.IsVariadic() {
				last--
			}
			for j := 1; j < last; j++ {
				switch at := ft.In(j); {
				case at == reflect.TypeFor[context.Context]():
					args = append(args, reflect.ValueOf(context.Background()))
				case at.Kind() == reflect.String:
					args = append(args, reflect.ValueOf("x1").Convert(at))
				default:
					args = append(args, reflect.Zero(at))
				}
			}
			t.Run(fmt.Sprintf("%v/%s", c != nil, m.Name), func(t *testing.T) {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("%s panicked: %v", m.Name, p)
					}
				}()
				if m.Name == "BaseURL" || m.Name == "HasToken" {
					if c == nil {
						t.Skip("a nil *Client has no settings to report")
					}
					m.Func.Call(args)
					return
				}
				var out []reflect.Value
				if ft.IsVariadic() {
					args = append(args, reflect.Zero(ft.In(ft.NumIn()-1)))
					out = m.Func.CallSlice(args)
				} else {
					out = m.Func.Call(args)
				}
				if seq, ok := out[0].Interface().(iter.Seq2[Package, error]); ok {
					for _, err := range seq {
						if err == nil {
							t.Errorf("%s yielded no error", m.Name)
						}
					}
					return
				}
				err, _ := out[len(out)-1].Interface().(error)
				if err == nil {
					t.Fatalf("%s returned no error", m.Name)
				}
				if !errors.Is(err, ErrInvalidArgument) {
					t.Errorf("%s: err = %v, want ErrInvalidArgument", m.Name, err)
				}
			})
		}
	}
}
