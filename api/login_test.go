package api_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (e *townEnv) loginAs(username, password string) response {
	e.t.Helper()
	return e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password})
}

// TestLogin: logins, lockout, sessions and what is kept of tokens and
// passwords.
func TestLogin(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	// The access log of this test, captured (restored at the end).
	logs := &syncBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })

	// A good login: token, expiry, the user.
	r := e.loginAs("t_mon", envPassword)
	var ok struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
		User      struct {
			ID       string   `json:"id"`
			Username string   `json:"username"`
			Role     string   `json:"role"`
			Town     string   `json:"town"`
			Villages []string `json:"villages"`
		} `json:"user"`
	}
	e.decode(r, &ok)
	exp, err := time.Parse(time.RFC3339, ok.ExpiresAt)
	if r.status != 200 || len(ok.Token) < 32 || err != nil || !exp.Equal(e.authClock.Now().Add(ledger.SessionTTL).Truncate(time.Second)) ||
		ok.User.ID != e.users["monitor"].ID || ok.User.Username != "t_mon" || ok.User.Role != "monitor" || ok.User.Town != envTown ||
		len(ok.User.Villages) != 1 || ok.User.Villages[0] != village1 {
		t.Errorf("login: %v (%+v)", r, ok)
	}
	tokens := []string{ok.Token}
	for _, tok := range e.tokens {
		tokens = append(tokens, tok)
	}

	// A wrong password and an unknown user get the same answer.
	wrong := e.loginAs("t_fin2", "wrong-password-1")
	unknown := e.loginAs("t_nobody", "wrong-password-1")
	pw := wantProblem(t, "a wrong password", wrong, 401, ledger.CodeUnauthenticated)
	pu := wantProblem(t, "an unknown user", unknown, 401, ledger.CodeUnauthenticated)
	if pw.Detail != pu.Detail || !bytes.Equal(wrong.body, unknown.body) {
		t.Errorf("a wrong password (%v) and an unknown user (%v) are told apart", wrong, unknown)
	}
	wantProblem(t, "an empty password", e.loginAs("t_fin2", ""), 422, ledger.CodeValidationFailed)
	wantProblem(t, "no username", e.call("POST", "/api/v1/auth/login", "", map[string]string{"password": envPassword}), 422, ledger.CodeValidationFailed)

	// Failures reset on success; after five in a row from one address the
	// next guesses there wait a growing delay (ledger.GateAccountAddress),
	// answered like a wrong password even when right; never a lock
	// (TestLoginAttacks has the attacks).
	if _, err := e.auth.CreateUser(ctx, e.lg, "system", ledger.NewUser{Username: "t_lock", Password: envPassword, Role: ledger.RoleAuditor}, nil, nil); err != nil {
		t.Fatal(err)
	}
	free := ledger.GateAccountAddress.Free
	for range free - 1 {
		wantProblem(t, "a failure", e.loginAs("t_lock", "wrong-password-2"), 401, ledger.CodeUnauthenticated)
	}
	if r := e.loginAs("t_lock", envPassword); r.status != 200 {
		t.Fatalf("the right password after %d failures: %v", free-1, r)
	}
	for range free - 1 {
		wantProblem(t, "a failure after a success", e.loginAs("t_lock", "wrong-password-3"), 401, ledger.CodeUnauthenticated)
	}
	if r := e.loginAs("t_lock", envPassword); r.status != 200 {
		t.Fatalf("failures were not reset by a success: %v", r)
	}
	for i := range free {
		wantProblem(t, fmt.Sprintf("failure %d", i+1), e.loginAs("t_lock", "wrong-password-4"), 401, ledger.CodeUnauthenticated)
	}
	if r := e.loginAs("t_lock", envPassword); r.status != 401 || !bytes.Equal(r.body, wrong.body) {
		t.Fatalf("the right password inside the delay: %v, want the answer of a wrong password", r)
	}
	e.authClock.Advance(time.Duration(ledger.GateAccountAddress.BaseMs)*time.Millisecond + time.Second)
	r = e.loginAs("t_lock", envPassword)
	if r.status != 200 {
		t.Fatalf("after the delay: %v", r)
	}
	e.decode(r, &ok)
	tokens = append(tokens, ok.Token)

	// Tokens: Bearer only, unknown or malformed ones refused; logout revokes.
	e.tokens["lock"] = ok.Token
	if r := e.call("GET", "/api/v1/auth/me", "lock", nil); r.status != 200 {
		t.Errorf("me: %v", r)
	}
	for _, h := range []string{"Basic " + ok.Token, "Bearer", "Bearer " + ok.Token + "x", "Bearer " + strings.Repeat("a", 300), ok.Token} {
		wantProblem(t, "Authorization: "+h[:min(len(h), 20)], e.call("GET", "/api/v1/auth/me", "", nil, "Authorization", h), 401, ledger.CodeUnauthenticated)
	}
	wantProblem(t, "an expired token", e.call("GET", "/api/v1/auth/me", "expired", nil), 401, ledger.CodeTokenExpired)
	wantProblem(t, "a revoked token", e.call("GET", "/api/v1/auth/me", "revoked", nil), 401, ledger.CodeUnauthenticated)
	if r := e.call("POST", "/api/v1/auth/logout", "lock", nil); r.status != http.StatusNoContent {
		t.Errorf("logout: %v", r)
	}
	wantProblem(t, "a logged-out token", e.call("GET", "/api/v1/auth/me", "lock", nil), 401, ledger.CodeUnauthenticated)
	wantProblem(t, "logging out twice", e.call("POST", "/api/v1/auth/logout", "lock", nil), 401, ledger.CodeUnauthenticated)

	// A disabled account: its sessions end, and its login reads as a bad one.
	rec, err := e.store.UserByName(ctx, "t_fin2")
	if err != nil {
		t.Fatal(err)
	}
	rec.Disabled = true
	if err := e.store.UpdateUser(ctx, rec); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, "a disabled user's session", e.call("GET", "/api/v1/auth/me", "finance2", nil), 401, ledger.CodeUnauthenticated)
	if r := e.loginAs("t_fin2", envPassword); r.status != 401 || !bytes.Equal(r.body, wrong.body) {
		t.Errorf("a disabled user's login: %v, want the answer of a wrong password", r)
	}

	// Some authorised traffic for the log.
	e.call("GET", "/api/v1/funds", "finance", nil)
	e.call("POST", "/api/v1/persons/search", "monitor", map[string]any{"id_number": e.ids["tp1"]})

	// Tokens are stored hashed: no column of the sessions table holds one.
	rows, err := e.store.DB().Raw("SELECT * FROM sessions").Rows()
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	var stored []string
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			stored = append(stored, fmt.Sprintf("%s", v))
		}
		n++
	}
	rows.Close()
	all := strings.Join(stored, "\n")
	if n < len(envUsers) {
		t.Fatalf("%d sessions stored", n)
	}
	for _, tok := range tokens {
		if tok == "" {
			continue
		}
		if strings.Contains(all, tok) {
			t.Errorf("the sessions table holds a token in clear")
		}
		if !strings.Contains(all, ledger.HashToken(tok)) {
			t.Errorf("the sessions table lacks a session's token hash")
		}
	}
	// Passwords: not in the users table, nor in any entry.
	var hashes []string
	if err := e.store.DB().Raw("SELECT password_hash FROM users").Scan(&hashes).Error; err != nil {
		t.Fatal(err)
	}
	for _, h := range hashes {
		if strings.Contains(h, envPassword) || !strings.HasPrefix(h, "$2") {
			t.Errorf("a stored password is not a bcrypt hash: %.12s…", h)
		}
	}
	for _, lg := range []ledger.Log{e.lg, e.other} {
		size, _ := e.store.Size(ctx, lg.ID)
		es, err := e.store.Entries(ctx, lg.ID, 0, int(size))
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range es {
			if bytes.Contains(en.Body, []byte(envPassword)) || bytes.Contains(en.Body, []byte("wrong-password")) {
				t.Errorf("entry %d (%s) holds a password", en.Seq, en.Type)
			}
			for _, tok := range tokens {
				if tok != "" && bytes.Contains(en.Body, []byte(tok)) {
					t.Errorf("entry %d (%s) holds a token", en.Seq, en.Type)
				}
			}
		}
	}

	// The access log: routes and statuses, never a password, token or ID number.
	text := logs.String()
	for _, want := range []string{"route=/api/v1/auth/login status=200", "route=/api/v1/auth/login status=401",
		"route=/api/v1/auth/me status=401", "route=/api/v1/persons/search status=200"} {
		if !strings.Contains(text, want) {
			t.Errorf("the access log lacks %q:\n%s", want, text)
		}
	}
	for _, s := range []string{envPassword, "wrong-password", e.ids["tp1"]} {
		if strings.Contains(text, s) {
			t.Errorf("the access log holds %q", s)
		}
	}
	for _, tok := range tokens {
		if tok != "" && strings.Contains(text, tok) {
			t.Errorf("the access log holds a token")
		}
	}
}
