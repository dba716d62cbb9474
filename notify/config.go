package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Webhook kinds.
const (
	KindWeCom    = "wecom"    // 企业微信群机器人
	KindDingTalk = "dingtalk" // 钉钉群机器人
)

// Webhook is a group bot: the messages of its roles, for its villages.
type Webhook struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	URL    string `json:"url"`
	Secret string `json:"secret,omitempty"` // 钉钉's 加签 secret (SEC…)
	// Roles whose messages the group gets: monitor, discipline, approver,
	// finance, admin.
	Roles []string `json:"roles"`
	// Villages (codes) whose flags and complaints a monitor group gets;
	// empty: every village.
	Villages []string `json:"villages,omitempty"`
	// Towns (codes) the target hears about; empty: every town.
	Towns []string `json:"towns,omitempty"`
}

// SMTP is the mail server the digests are sent through.
type SMTP struct {
	Addr     string `json:"addr"` // host:port
	From     string `json:"from"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

// Email is a recipient of the daily digest.
type Email struct {
	To       string   `json:"to"`
	Roles    []string `json:"roles"`
	Villages []string `json:"villages,omitempty"`
	Towns    []string `json:"towns,omitempty"`
}

// Config is the content of SUNSHINE_NOTIFY_FILE.
type Config struct {
	Webhooks []Webhook `json:"webhooks"`
	SMTP     *SMTP     `json:"smtp,omitempty"`
	Emails   []Email   `json:"emails"`
}

// Roles a target may name.
var targetRoles = []string{ledger.RoleMonitor, ledger.RoleDiscipline, ledger.RoleApprover, ledger.RoleFinance, ledger.RoleAdmin}

// Load reads and validates a notification file. Its errors name the file's
// entry but never a URL or secret.
func Load(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("读取通知配置文件失败 (reading the notification file): %w", err)
	}
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("通知配置文件不是有效的 JSON (the notification file is not valid JSON): %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks every target; the error lists every problem.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	names := map[string]bool{}
	checkRoles := func(who string, roles []string) {
		if len(roles) == 0 {
			bad("%s：未填写接收的角色 roles (no roles)", who)
		}
		for _, r := range roles {
			if !slices.Contains(targetRoles, r) {
				bad("%s：角色 %q 无效，应为 %s 之一 (unknown role)", who, r, strings.Join(targetRoles, "、"))
			}
		}
	}
	for i, w := range c.Webhooks {
		who := fmt.Sprintf("第 %d 个群机器人", i+1)
		if w.Name != "" {
			who += "“" + w.Name + "”"
		}
		switch {
		case strings.TrimSpace(w.Name) == "":
			bad("%s：未填写名称 name (a webhook needs a name)", who)
		case len(w.Name) > 100:
			bad("%s：名称过长 (name too long)", who)
		case names[w.Name]:
			bad("%s：名称重复 (two targets with one name)", who)
		}
		names[w.Name] = true
		if w.Kind != KindWeCom && w.Kind != KindDingTalk {
			bad("%s：类型 kind 应为 wecom（企业微信）或 dingtalk（钉钉），不是 %q", who, w.Kind)
		}
		if u, err := url.Parse(w.URL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			bad("%s：地址 url 不是有效的 http(s) 地址 (url must be an http(s) URL)", who)
		}
		if w.Kind == KindDingTalk && w.Secret == "" {
			bad("%s：钉钉机器人需要填写加签密钥 secret (a DingTalk bot needs its signing secret)", who)
		}
		checkRoles(who, w.Roles)
	}
	if len(c.Emails) > 0 {
		if c.SMTP == nil {
			bad("填写了邮件接收人 emails，但未填写邮件服务器 smtp (emails need smtp settings)")
		} else {
			if _, _, err := net.SplitHostPort(c.SMTP.Addr); err != nil {
				bad("邮件服务器 smtp.addr 应为 主机:端口，不是 %q (smtp.addr must be host:port)", c.SMTP.Addr)
			}
			if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
				bad("发件人 smtp.from 不是有效的邮箱地址 %q (smtp.from is not an address)", c.SMTP.From)
			}
			if c.SMTP.Username != "" && c.SMTP.Password == "" {
				bad("填写了 smtp.username，但未填写 smtp.password (username without password)")
			}
		}
	}
	for i, e := range c.Emails {
		who := fmt.Sprintf("第 %d 个邮件接收人", i+1)
		if _, err := mail.ParseAddress(e.To); err != nil || strings.ContainsAny(e.To, "\r\n") {
			bad("%s：邮箱地址 to 无效 %q (to is not an address)", who, e.To)
		} else if names["mail:"+e.To] {
			bad("%s：邮箱地址重复 (the same address twice)", who)
		}
		names["mail:"+e.To] = true
		checkRoles(who, e.Roles)
	}
	return errors.Join(errs...)
}

// Empty reports whether the file names no target.
func (c *Config) Empty() bool { return c == nil || len(c.Webhooks) == 0 && len(c.Emails) == 0 }

// audience is what a target hears about: roles, villages, towns.
type audience struct {
	roles, villages, towns []string
}

func (a audience) has(role string) bool { return slices.Contains(a.roles, role) }

func (a audience) town(code string) bool { return len(a.towns) == 0 || slices.Contains(a.towns, code) }

func (a audience) village(code string) bool {
	return code != "" && (len(a.villages) == 0 || slices.Contains(a.villages, code))
}
