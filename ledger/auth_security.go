package ledger

import (
	"bufio"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/crypto/bcrypt"
)

// GatePolicy is the growing delay of a login gate: the first Free attempts
// are admitted at once; after the n-th counted attempt (n ≥ Free) the next
// one waits BaseMs × 2^(n−Free), at most CapMs (reached at MaxShift). A gate
// idle for ForgetMs after its delay ran out starts again.
type GatePolicy struct {
	Free, MaxShift          int
	BaseMs, CapMs, ForgetMs int64
}

// The three gates of a login attempt. A guess must pass all three: its
// client address (any account), the account from that address, and the
// account from anywhere. None is a lock: each only spaces guesses out, so the
// real user at another address still logs in (their own account-and-address
// gate is open, and the account-wide gate admits 50 before it slows).
var (
	GateAddress        = GatePolicy{Free: 30, MaxShift: 10, BaseMs: 1000, CapMs: 15 * 60 * 1000, ForgetMs: 60 * 60 * 1000}
	GateAccountAddress = GatePolicy{Free: 5, MaxShift: 10, BaseMs: 1000, CapMs: 15 * 60 * 1000, ForgetMs: 60 * 60 * 1000}
	GateAccount        = GatePolicy{Free: 50, MaxShift: 10, BaseMs: 1000, CapMs: 15 * 60 * 1000, ForgetMs: 60 * 60 * 1000}
)

// UserSecurity is what the account store keeps for password policy and
// separation of duties.
type UserSecurity struct {
	// MustChange: the password was set by an admin's reset; the user must
	// choose their own before any other request.
	MustChange bool
	// Keyholder is the account that set the password in force (creation or
	// reset), "" once the user chose their own.
	Keyholder string
	// SetupBy lists the accounts that created, enabled, gave a role to or
	// reset the password of the account.
	SetupBy []string
}

// AccountSecurity is the part of the account store that counts login
// attempts and keeps UserSecurity.
type AccountSecurity interface {
	// Gate admits one attempt at the gate key (a hash) or not, atomically:
	// concurrent attempts never pass more than the policy allows. account
	// (a hash of the username, or "") lets ClearGates find the gate.
	Gate(ctx context.Context, key, account string, nowMs int64, p GatePolicy) (bool, error)
	// ClearGates forgets the gates of an account (an admin's unlock);
	// ClearGate forgets the gates with these keys (a right password).
	ClearGates(ctx context.Context, account string) error
	ClearGate(ctx context.Context, keys ...string) error
	// SlowedAccounts returns the accounts (as given to Gate) with a gate
	// that admits no attempt before a time after nowMs.
	SlowedAccounts(ctx context.Context, nowMs int64) ([]string, error)
	// Uncount takes back one counted attempt at a gate (a right password).
	Uncount(ctx context.Context, key string) error
	UserSecurity(ctx context.Context, id string) (UserSecurity, error)
	PutUserSecurity(ctx context.Context, id string, s UserSecurity) error
}

func gateKey(parts ...string) string {
	h := sha256.Sum256([]byte("sunshine login gate\x00" + strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:])
}

func accountKey(username string) string { return gateKey("account", strings.ToLower(username)) }

// admit passes an attempt through the gates: address, account from the
// address, account. A refused attempt is answered like a wrong password.
func (a *Auth) admit(ctx context.Context, username, addr string) (bool, error) {
	now := a.Now().UnixMilli()
	acct := accountKey(username)
	gates := []struct {
		key, account string
		p            GatePolicy
	}{
		{gateKey("address", addr), "", GateAddress},
		{gateKey("pair", strings.ToLower(username), addr), acct, GateAccountAddress},
		{acct, acct, GateAccount},
	}
	for _, g := range gates {
		ok, err := a.Accounts.Gate(ctx, g.key, g.account, now, g.p)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// afterSuccess reopens the account's own gates after a right password
// from addr, and takes the attempt back from the address gate (only that
// one: logging in to one's own account must not buy guesses at others').
func (a *Auth) afterSuccess(ctx context.Context, username, addr string) error {
	if err := a.Accounts.Uncount(ctx, gateKey("address", addr)); err != nil {
		return err
	}
	return a.Accounts.ClearGate(ctx, gateKey("pair", strings.ToLower(username), addr), accountKey(username))
}

//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
}()

// CommonPasswords is the number of passwords on the shipped list.
func CommonPasswords() int { return len(commonPasswords) }

// checkPassword applies the password policy: 10 to 72 characters, not on
// the list of common passwords (nor one with its separators or case
// changed), not containing the username, more than three distinct
// characters.
func checkPassword(username, p string) error {
	if err := validatePassword(p); err != nil {
		return err
	}
	low := strings.ToLower(p)
	bare := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '_' || r == '.' {
			return -1
		}
		return r
	}, low)
	if commonPasswords[low] || commonPasswords[bare] {
		return invalid("password", "该密码过于常见，容易被猜中，请换一个")
	}
	if username != "" && strings.Contains(low, strings.ToLower(username)) {
		return invalid("password", "密码不能包含用户名")
	}
	distinct := map[rune]bool{}
	for _, r := range p {
		distinct[r] = true
	}
	if len(distinct) <= 3 {
		return invalid("password", "密码过于简单，请使用更多不同的字符")
	}
	return nil
}

// ChangePassword changes the caller's own password: the current one must
// be right. It ends a reset's must-change and the keyholder (the user now
// holds the only copy), and records a user_password_changed entry
// (withheld: the id; never a password).
func (a *Auth) ChangePassword(ctx context.Context, lg Log, id, current, next string) error {
	rec, err := a.Accounts.UserByID(ctx, id)
	if err != nil || rec.LogID != lg.ID {
		return ErrNotFound
	}
	if bcrypt.CompareHashAndPassword(rec.PasswordHash, []byte(current)) != nil {
		return invalid("current_password", "当前密码不正确")
	}
	if current == next {
		return invalid("new_password", "新密码不能与当前密码相同")
	}
	if err := checkPassword(rec.Username, next); err != nil {
		return withFieldName(err, "new_password")
	}
	return a.setPassword(ctx, lg, rec, id, TypeUserPasswordChanged, next, func(sec *UserSecurity) {
		sec.MustChange, sec.Keyholder = false, ""
	})
}

// setPassword records a password event (typ, by actor) as a withheld entry,
// then stores the new password's hash and the account's security record as
// change makes it.
func (a *Auth) setPassword(ctx context.Context, lg Log, rec UserRecord, actor, typ, password string, change func(*UserSecurity)) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), a.cost())
	if err != nil {
		return err
	}
	sec, err := a.Accounts.UserSecurity(ctx, rec.ID)
	if err != nil {
		return err
	}
	if _, _, err := Do(ctx, a.L, lg, nil, func(b *Batch) (struct{}, error) {
		_, err := b.Append(AppendInput{Type: typ, Actor: actor, Payload: map[string]any{"id": rec.ID, "username": rec.Username}})
		return struct{}{}, err
	}); err != nil {
		return err
	}
	rec.PasswordHash = hash
	if err := a.Accounts.UpdateUser(ctx, rec); err != nil {
		return err
	}
	change(&sec)
	return a.Accounts.PutUserSecurity(ctx, rec.ID, sec)
}

// ResetPassword sets another user's password (an admin): the user must
// change it at their next login; the admin becomes its keyholder and one of
// the accounts that set it up. A user_password_reset entry records it.
func (a *Auth) ResetPassword(ctx context.Context, lg Log, actor, id, password string) error {
	rec, err := a.Accounts.UserByID(ctx, id)
	if err != nil || rec.LogID != lg.ID {
		return ErrNotFound
	}
	if id == actor {
		return invalid("id", "不能重置自己的密码，请使用“修改密码”")
	}
	if err := countyAccount(rec.Role, actor); err != nil {
		return err
	}
	if err := checkPassword(rec.Username, password); err != nil {
		return withFieldName(err, "new_password")
	}
	return a.setPassword(ctx, lg, rec, actor, TypeUserPasswordReset, password, func(sec *UserSecurity) {
		sec.MustChange, sec.Keyholder = true, actor
		sec.SetupBy = addActor(sec.SetupBy, actor)
	})
}

// Unlock reopens every login gate of a user's account (an admin), with a
// user_unlocked entry.
func (a *Auth) Unlock(ctx context.Context, lg Log, actor, id string) error {
	rec, err := a.Accounts.UserByID(ctx, id)
	if err != nil || rec.LogID != lg.ID {
		return ErrNotFound
	}
	if err := countyAccount(rec.Role, actor); err != nil {
		return err
	}
	if _, _, err := Do(ctx, a.L, lg, nil, func(b *Batch) (struct{}, error) {
		_, err := b.Append(AppendInput{Type: TypeUserUnlocked, Actor: actor, Payload: map[string]any{"id": id, "username": rec.Username}})
		return struct{}{}, err
	}); err != nil {
		return err
	}
	return a.Accounts.ClearGates(ctx, accountKey(rec.Username))
}

// SlowedUsers returns those of users whose logins are being slowed down
// now after wrong passwords (a gate of their account delays the next
// attempt): what an admin's home shows as 登录受限, to unlock if it was
// the user.
func (a *Auth) SlowedUsers(ctx context.Context, users []User) ([]User, error) {
	accts, err := a.Accounts.SlowedAccounts(ctx, a.Now().UnixMilli())
	if err != nil || len(accts) == 0 {
		return nil, err
	}
	slowed := map[string]bool{}
	for _, k := range accts {
		slowed[k] = true
	}
	var out []User
	for _, u := range users {
		if slowed[accountKey(u.Username)] {
			out = append(out, u)
		}
	}
	return out, nil
}

// SetRole gives a user another role (an admin; not their own account). The
// change is a user_updated entry with the old role (role_from), so verify
// --deep follows it; the admin joins the accounts that set the user up.
func (a *Auth) SetRole(ctx context.Context, lg Log, actor, id, role string) (User, error) {
	rec, err := a.Accounts.UserByID(ctx, id)
	if err != nil || rec.LogID != lg.ID {
		return User{}, ErrNotFound
	}
	if !slices.Contains(Roles, role) {
		return User{}, invalid("role", "角色必须是%s之一", strings.Join(Roles, "、"))
	}
	if err := countyAccount(rec.Role, actor); err != nil {
		return User{}, err
	}
	if err := countyAccount(role, actor); err != nil {
		return User{}, err
	}
	if id == actor {
		return User{}, invalid("role", "不能修改自己的角色")
	}
	if role == RoleMonitor && len(rec.Villages) == 0 {
		return User{}, invalid("role", "村级监督员须指定所监督的村")
	}
	villages := rec.Villages
	if role != RoleMonitor {
		villages = nil
	}
	villages = nonNil(villages)
	if _, _, err := Do(ctx, a.L, lg, nil, func(b *Batch) (struct{}, error) {
		_, err := b.Append(AppendInput{Type: TypeUserUpdated, Actor: actor, Payload: map[string]any{
			"id": id, "username": rec.Username, "role": role, "role_from": rec.Role, "villages": villages, "disabled": rec.Disabled}})
		return struct{}{}, err
	}); err != nil {
		return User{}, err
	}
	rec.Role, rec.Villages = role, villages
	if err := a.Accounts.UpdateUser(ctx, rec); err != nil {
		return User{}, err
	}
	if err := a.addSetup(ctx, id, actor); err != nil {
		return User{}, err
	}
	return rec.User, nil
}

func (a *Auth) addSetup(ctx context.Context, id, actor string) error {
	sec, err := a.Accounts.UserSecurity(ctx, id)
	if err != nil {
		return err
	}
	sec.SetupBy = addActor(sec.SetupBy, actor)
	return a.Accounts.PutUserSecurity(ctx, id, sec)
}

func addActor(list []string, actor string) []string {
	if actor == "" || slices.Contains(list, actor) {
		return list
	}
	return append(list, actor)
}

// SamePerson returns the accounts taken to be the same person as an
// account: itself, and the account holding a copy of its password in force
// (who created it or last reset it, until the user chose their own).
// "system" (the installer's command line and bootstrap) is nobody's.
func (a *Auth) SamePerson(ctx context.Context, id string) ([]string, error) {
	sec, err := a.Accounts.UserSecurity(ctx, id)
	if IsNotFound(err) {
		return []string{id}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []string{id}
	if sec.Keyholder != "" && sec.Keyholder != "system" && sec.Keyholder != id {
		out = append(out, sec.Keyholder)
	}
	return out, nil
}

// CheckApprover refuses an approval (CodeSelfApproval) when the approver is
// the maker's person (SamePerson), or when the approver's account was
// created, enabled, given a role or had its password reset by the maker's
// person, or its password in force was set by them.
func (a *Auth) CheckApprover(ctx context.Context, approver, maker string) error {
	same, err := a.SamePerson(ctx, maker)
	if err != nil {
		return err
	}
	if slices.Contains(same, approver) {
		return &Error{Code: CodeSelfApproval, Detail: "审核人与经办人是同一人的账号，不能审核该笔支付"}
	}
	sec, err := a.Accounts.UserSecurity(ctx, approver)
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, s := range same {
		if slices.Contains(sec.SetupBy, s) || sec.Keyholder == s {
			return &Error{Code: CodeSelfApproval, Detail: "审核人账号由经办人（或其密码持有人）创建、启用、授予角色或重置密码，不能审核该笔支付"}
		}
	}
	return nil
}

// withFieldName renames the field of a validation error.
func withFieldName(err error, field string) error {
	if e, ok := err.(*Error); ok && len(e.Fields) > 0 {
		c := *e
		c.Fields = []FieldError{{Field: field, Message: e.Fields[0].Message}}
		return &c
	}
	return err
}

// countyAccount refuses a town admin's change to a county account (its
// password, its role, its unlocking, its enabling) or the giving of the
// county role: a county account reads every town, so only the installer
// (actor "system": sunshine user add/enable/reset/unlock) manages it. The
// one thing its home-town admin may do is disable it (UpdateAccess).
func countyAccount(role, actor string) error {
	if role == RoleCounty && actor != "system" {
		return Errorf(CodeForbidden, "县级账户只能由系统安装人员管理（sunshine user add/enable/reset/unlock）；本镇管理员只能停用")
	}
	return nil
}
