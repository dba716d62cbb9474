package ledger

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Roles (API.md).
const (
	RoleAdmin      = "admin"
	RoleFinance    = "finance"
	RoleApprover   = "approver"
	RoleMonitor    = "monitor"
	RoleDiscipline = "discipline"
	RoleAuditor    = "auditor"
	// RoleCounty is the county office (县乡村振兴局、县财政局): reads every
	// town's books in the service, as an auditor does, and writes nothing.
	// Only the installer creates its accounts (sunshine user add --role
	// county); no town's admin can create one or give the role.
	RoleCounty = "county"
)

// Roles lists every role.
var Roles = []string{RoleAdmin, RoleFinance, RoleApprover, RoleMonitor, RoleDiscipline, RoleAuditor, RoleCounty}

// User is a staff account. Every user belongs to one town (log); a monitor
// sees only their villages.
type User struct {
	ID       string // "<town>-u<seq of the user_created entry>": unique across towns
	Username string
	Role     string
	LogID    int64
	Town     string
	Villages []string // village codes, for monitors
	Disabled bool
	// MustChange: an admin reset the password; until the user changes it
	// the API and the pages answer nothing else.
	MustChange bool
}

// UserRecord is a user as the account store keeps it.
type UserRecord struct {
	User
	PasswordHash []byte
	Failures     int
	LockedUntil  time.Time
}

// Session is a login. Only the SHA-256 of its token is stored.
type Session struct {
	TokenHash string
	UserID    string
	ExpiresAt time.Time
	Revoked   bool
}

// Accounts is the store of users and sessions. They are not projections of
// the log (passwords and tokens never enter it); the log records who was
// created with which role and villages (withheld user_* entries).
type Accounts interface {
	AccountSecurity
	// CreateUser stores a new user; CodeConflict if the username exists.
	CreateUser(ctx context.Context, u UserRecord) error
	// UpdateUser replaces a user's role, villages, password hash, failure
	// count, lock and disabled flag.
	UpdateUser(ctx context.Context, u UserRecord) error
	// UserByName and UserByID return a user or ErrNotFound.
	UserByName(ctx context.Context, username string) (UserRecord, error)
	UserByID(ctx context.Context, id string) (UserRecord, error)
	// Users lists the users of a log.
	Users(ctx context.Context, logID int64) ([]User, error)
	// HasAdmin reports whether any admin exists (on any log).
	HasAdmin(ctx context.Context) (bool, error)
	// PutSession stores a session; Session returns one by token hash.
	PutSession(ctx context.Context, s Session) error
	Session(ctx context.Context, tokenHash string) (Session, error)
	// SessionUser returns a session by token hash with its user (MustChange
	// set), in one read; ErrNotFound for an unknown token.
	SessionUser(ctx context.Context, tokenHash string) (Session, UserRecord, error)
	// RevokeSession marks a session revoked.
	RevokeSession(ctx context.Context, tokenHash string) error
}

// Login policy.
const (
	SessionTTL = 12 * time.Hour
	bcryptCost = 11
)

var usernameRe = regexp.MustCompile(`^[a-zA-Z0-9_.\-]{3,32}$`)

// ErrBadLogin is the one answer to a wrong username or password (the same
// for both, so that usernames cannot be probed).
var ErrBadLogin = Errorf(CodeUnauthenticated, "用户名或密码错误，或尝试过于频繁，请稍后再试")

// Auth manages staff accounts, logins and sessions.
type Auth struct {
	Accounts Accounts
	L        *Ledger
	Now      func() time.Time
	// OnAttempt, when set, is called once for every login attempt, just
	// before its one bcrypt comparison, saying whether the gates admitted
	// it as a guess and the cost of the hash it is compared with (tests
	// count guesses and comparisons, and check that every kind of failure
	// does the same work).
	OnAttempt func(username string, admitted bool, cost int)
	// Cost is the bcrypt cost of new passwords and of the dummy hash
	// (0: bcryptCost). Tests lower it to run thousands of attempts.
	Cost int
	// DeviceKey signs device tokens (DeviceKey(master key) in serve); nil:
	// a random key of this process.
	DeviceKey []byte
}

func (a *Auth) cost() int {
	if a.Cost == 0 {
		return bcryptCost
	}
	return a.Cost
}

var dummyHashes sync.Map // cost → a hash of no one's password

// dummy returns the hash an attempt without an account is compared with:
// the same cost as a real one, so that it takes the same time.
func (a *Auth) dummy() []byte {
	c := a.cost()
	if c == bcryptCost {
		return dummyHash
	}
	if h, ok := dummyHashes.Load(c); ok {
		return h.([]byte)
	}
	h, _ := bcrypt.GenerateFromPassword([]byte("not a password of anyone"), c)
	dummyHashes.Store(c, h)
	return h
}

// NewUser is what an admin submits to create a user.
type NewUser struct {
	Username string
	Password string
	Role     string
	Villages []string
}

func validatePassword(p string) error {
	if len([]rune(p)) < 10 || len(p) > 72 {
		return invalid("password", "密码须为 10 至 72 个字符")
	}
	return nil
}

// CreateUser creates a user in a town: the user_created entry (withheld:
// username, role, villages; never the password) and the account row. The
// villages must exist for monitors.
func (a *Auth) CreateUser(ctx context.Context, lg Log, actor string, nu NewUser, villageExists func(code string) bool, idem *Idem) (User, error) {
	if !usernameRe.MatchString(nu.Username) {
		return User{}, invalid("username", "用户名须为 3 至 32 位字母、数字、下划线、点或横线")
	}
	if !slices.Contains(Roles, nu.Role) {
		return User{}, invalid("role", "角色必须是%s之一", strings.Join(Roles, "、"))
	}
	if err := countyAccount(nu.Role, actor); err != nil {
		return User{}, err
	}
	if nu.Role == RoleCounty && len(nu.Villages) > 0 {
		return User{}, invalid("villages", "县级账户不属于某个村，不能指定村")
	}
	if err := checkPassword(nu.Username, nu.Password); err != nil {
		return User{}, err
	}
	if nu.Role == RoleMonitor && len(nu.Villages) == 0 {
		return User{}, invalid("villages", "村级监督员须指定所监督的村")
	}
	for _, v := range nu.Villages {
		if villageExists != nil && !villageExists(v) {
			return User{}, invalid("villages", "未找到村代码「%s」", v)
		}
	}
	if _, err := a.Accounts.UserByName(ctx, nu.Username); err == nil {
		return User{}, &Error{Code: CodeConflict, Detail: fmt.Sprintf("用户名「%s」已存在", nu.Username)}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(nu.Password), a.cost())
	if err != nil {
		return User{}, err
	}
	villages := nonNil(nu.Villages)
	u, _, err := Do(ctx, a.L, lg, idem, func(b *Batch) (User, error) {
		id := fmt.Sprintf("%s-u%d", lg.Town, b.NextSeq())
		if _, err := b.Append(AppendInput{Type: TypeUserCreated, Actor: actor, Payload: map[string]any{
			"id": id, "username": nu.Username, "role": nu.Role, "villages": villages}}); err != nil {
			return User{}, err
		}
		u := User{ID: id, Username: nu.Username, Role: nu.Role, LogID: lg.ID, Town: lg.Town, Villages: villages}
		// The account row commits separately from the entry: a crash between
		// them leaves an entry naming a user who cannot log in, which an
		// admin sees and recreates; never a login without its entry.
		return u, nil
	})
	if err != nil {
		return User{}, err
	}
	if err := a.Accounts.CreateUser(ctx, UserRecord{User: u, PasswordHash: hash}); err != nil {
		return User{}, err
	}
	// The creator set the password: they hold it until the user changes it.
	if err := a.Accounts.PutUserSecurity(ctx, u.ID, UserSecurity{Keyholder: actor, SetupBy: []string{actor}}); err != nil {
		return User{}, err
	}
	return u, nil
}

// UpdateAccess changes what a user may reach: a monitor's villages, and
// whether the account is disabled (a disabled user's sessions stop
// working at once). It records a user_updated entry (withheld: id, role,
// villages, disabled). An admin cannot disable their own account.
func (a *Auth) UpdateAccess(ctx context.Context, lg Log, actor, id string, villages []string, disabled bool, villageExists func(code string) bool) (User, error) {
	rec, err := a.Accounts.UserByID(ctx, id)
	if err != nil || rec.LogID != lg.ID {
		return User{}, ErrNotFound
	}
	if rec.Role == RoleCounty && actor != ActorSystem && !disabled {
		// The county account's home-town admin may disable it (a lost
		// laptop, a person who left); enabling it again, like its password
		// and role, stays with the installer (sunshine user enable).
		return User{}, Errorf(CodeForbidden, "县级账户只能由本镇管理员停用；重新启用须由系统安装人员执行（sunshine user enable）")
	}
	if rec.Role == RoleMonitor && len(villages) == 0 {
		return User{}, invalid("villages", "村级监督员须指定所监督的村")
	}
	if rec.Role != RoleMonitor {
		villages = nil
	}
	for _, v := range villages {
		if villageExists != nil && !villageExists(v) {
			return User{}, invalid("villages", "未找到村代码「%s」", v)
		}
	}
	if disabled && id == actor {
		return User{}, invalid("disabled", "不能停用自己的账号")
	}
	villages = nonNil(villages)
	if _, _, err := Do(ctx, a.L, lg, nil, func(b *Batch) (struct{}, error) {
		_, err := b.Append(AppendInput{Type: TypeUserUpdated, Actor: actor, Payload: map[string]any{
			"id": id, "username": rec.Username, "role": rec.Role, "villages": villages, "disabled": disabled}})
		return struct{}{}, err
	}); err != nil {
		return User{}, err
	}
	enabled := rec.Disabled && !disabled
	rec.Villages, rec.Disabled = villages, disabled
	if err := a.Accounts.UpdateUser(ctx, rec); err != nil {
		return User{}, err
	}
	if enabled {
		if err := a.addSetup(ctx, id, actor); err != nil {
			return User{}, err
		}
	}
	return rec.User, nil
}

// BootstrapAdmin creates the town's "admin" user with the password when no
// admin exists anywhere. It reports whether it created one.
func (a *Auth) BootstrapAdmin(ctx context.Context, lg Log, password string) (bool, error) {
	has, err := a.Accounts.HasAdmin(ctx)
	if err != nil || has {
		return false, err
	}
	if _, err := a.CreateUser(ctx, lg, "system", NewUser{Username: "admin", Password: password, Role: RoleAdmin}, nil, nil); err != nil {
		return false, err
	}
	return true, nil
}

// Login checks a username and password from an unknown address (tests,
// tools); LoginFrom is the one the API and pages use.
func (a *Auth) Login(ctx context.Context, username, password string) (string, Session, User, error) {
	return a.LoginFrom(ctx, username, password, "")
}

// LoginFrom checks a username and password from a client address and opens
// a session; it returns the bearer token (shown once, stored hashed).
func (a *Auth) LoginFrom(ctx context.Context, username, password, addr string) (string, Session, User, error) {
	r, err := a.LoginWith(ctx, LoginAttempt{Username: username, Password: password, Addr: addr})
	return r.Token, r.Session, r.User, err
}

// LoginWith checks a login attempt and opens a session.
//
// Every failure is ErrBadLogin, after the same work: an unknown user, a
// disabled account, a wrong password and an attempt the gates did not admit
// (GateAddress, GateAccountAddress, GateAccount: growing delays, counted by
// one atomic UPDATE each, so that parallel guesses never pass more than the
// policy allows) all run one bcrypt comparison (a dummy hash of the same
// cost where there is no account) and answer the same status and body.
//
// An attempt carrying a valid device token for the account (one an earlier
// login gave this client) passes only the token's own gate (GateDevice):
// the gates a stranger fills from other addresses never hold it back.
func (a *Auth) LoginWith(ctx context.Context, at LoginAttempt) (LoginResult, error) {
	now := a.Now()
	username := at.Username
	nonce := a.deviceNonce(at.Device, username, now)
	var admitted bool
	var err error
	if nonce != "" {
		admitted, err = a.admitDevice(ctx, username, nonce)
	} else {
		admitted, err = a.admit(ctx, username, at.Addr)
	}
	if err != nil {
		return LoginResult{}, err
	}
	rec, err := a.Accounts.UserByName(ctx, username)
	if err != nil && !IsNotFound(err) {
		return LoginResult{}, err
	}
	hash := a.dummy()
	if err == nil {
		hash = rec.PasswordHash
	}
	if a.OnAttempt != nil {
		c, _ := bcrypt.Cost(hash)
		a.OnAttempt(username, admitted, c)
	}
	right := bcryptCompare(hash, []byte(at.Password)) == nil
	if !admitted || err != nil || rec.Disabled || !right {
		return LoginResult{}, ErrBadLogin
	}
	if nonce != "" {
		// the device's own gate only: the account's gates stay as the
		// attempts without a token left them
		err = a.Accounts.ClearGate(ctx, deviceGateKey(username, nonce))
	} else {
		err = a.afterSuccess(ctx, username, at.Addr)
	}
	if err != nil {
		return LoginResult{}, err
	}
	sec, err := a.Accounts.UserSecurity(ctx, rec.ID)
	if err != nil {
		return LoginResult{}, err
	}
	rec.MustChange = sec.MustChange
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return LoginResult{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	s := Session{TokenHash: HashToken(token), UserID: rec.ID, ExpiresAt: now.Add(SessionTTL).UTC().Truncate(time.Second)}
	if err := a.Accounts.PutSession(ctx, s); err != nil {
		return LoginResult{}, err
	}
	device, err := a.newDeviceToken(username, now)
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: token, Session: s, User: rec.User, Device: device}, nil
}

// bcryptCompare is the one comparison every login attempt runs (a
// variable: the tests count the comparisons of each kind of failure).
var bcryptCompare = bcrypt.CompareHashAndPassword

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password of anyone"), bcryptCost)

// HashToken returns the stored form of a bearer token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Authenticate returns the user of a bearer token: CodeUnauthenticated for
// an unknown or revoked token, CodeTokenExpired for an expired one.
func (a *Auth) Authenticate(ctx context.Context, token string) (User, Session, error) {
	if token == "" || len(token) > 200 {
		return User{}, Session{}, Errorf(CodeUnauthenticated, "请先登录")
	}
	s, rec, err := a.Accounts.SessionUser(ctx, HashToken(token))
	if IsNotFound(err) {
		return User{}, Session{}, Errorf(CodeUnauthenticated, "登录凭证无效，请重新登录")
	}
	if err != nil {
		return User{}, Session{}, err
	}
	if s.Revoked {
		return User{}, Session{}, Errorf(CodeUnauthenticated, "已退出登录，请重新登录")
	}
	if !a.Now().Before(s.ExpiresAt) {
		return User{}, Session{}, Errorf(CodeTokenExpired, "登录已过期，请重新登录")
	}
	if rec.Disabled {
		return User{}, Session{}, Errorf(CodeUnauthenticated, "账户已停用")
	}
	return rec.User, s, nil
}

// Logout revokes the session of a token.
func (a *Auth) Logout(ctx context.Context, token string) error {
	return a.Accounts.RevokeSession(ctx, HashToken(token))
}
