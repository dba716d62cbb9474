package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Service holds the business rules of the books of every town: the
// registry, money, the project library and loans (DOMAIN.md §3–§5). Every
// write is one request to the town's log writer: it validates against the
// projections inside the batch transaction, appends its entries and applies
// them to the projections, all or nothing.
type Service struct {
	L     *Ledger
	Vault *Vault
	// ApprovalThreshold: payments at or above it wait for an approver.
	ApprovalThreshold Fen
	// MissingGlyph, when set, reports the first character of a name that
	// the notices' font cannot draw (disclosure.MissingGlyph): such names
	// are refused at registration, because every name must print on a
	// public notice.
	MissingGlyph func(string) (rune, bool)
}

// drawable refuses a name the notices' font cannot draw.
func (s *Service) drawable(name string) error {
	if s.MissingGlyph == nil {
		return nil
	}
	if r, bad := s.MissingGlyph(name); bad {
		return &Error{Code: CodeValidationFailed, Detail: fmt.Sprintf("姓名中的字符「%c」（U+%04X）无法在公告中打印，请使用规范汉字或到系统管理员处登记", r, r)}
	}
	return nil
}

// booksKey names a log's cachedBooks among a batch's values. It must be
// declared outside write: a type declared inside a generic function is a
// different type for each type argument, so the requests of one batch that
// return different types (a payment, an import) each got a cache of their
// own and did not see each other's balances: a payment after an import in
// the same batch could overdraw the holding.
type booksKey struct{ log int64 }

// write runs op as one request on the log: the generic form of every
// service write.
func write[T any](ctx context.Context, s *Service, lg Log, idem *Idem, op func(w *txn) (T, error)) (T, error) {
	v, _, err := Do(ctx, s.L, lg, idem, func(b *Batch) (T, error) {
		cb, _ := b.Value(booksKey{lg.ID}).(*cachedBooks)
		if cb == nil {
			cb = newCachedBooks(b.Tx().Books(lg.ID))
			b.SetValue(booksKey{lg.ID}, cb)
			b.OnFinish(cb.flush)
		}
		v, err := op(&txn{b: b, bk: cb, s: s, town: lg.Town})
		cb.end(err == nil)
		return v, err
	})
	return v, err
}

// txn is one request's view: the batch, the projections, the service.
type txn struct {
	b    *Batch
	bk   Books
	s    *Service
	town string
}

// emit appends an entry and applies it to the projections.
func (w *txn) emit(typ, actor string, effectiveOn Date, payload any) (Entry, error) {
	e, err := w.b.Append(AppendInput{Type: typ, Actor: actor, EffectiveOn: dateStr(effectiveOn), Payload: payload})
	if err != nil {
		return Entry{}, err
	}
	if p, ok := payload.(paymentPayload); ok && typ == TypePaymentRecorded {
		// the hot path of imports: the payload is at hand, typed
		if err := applyPayment(w.bk, e, p); err != nil {
			return Entry{}, fmt.Errorf("apply %s (seq %d): %w", typ, e.Seq, err)
		}
		return e, nil
	}
	if err := apply(w.bk, e); err != nil {
		return Entry{}, fmt.Errorf("apply %s (seq %d): %w", typ, e.Seq, err)
	}
	return e, nil
}

// invalid returns a validation error naming the field.
func invalid(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: CodeValidationFailed, Detail: msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

func required(field, label, v string) error {
	if strings.TrimSpace(v) == "" {
		return invalid(field, "%s不能为空", label)
	}
	return nil
}

// textField is a required short text of a form: its field, its label in
// the refusal, its value.
type textField struct{ field, label, v string }

// shortTexts refuses the first field that is empty or longer than 100
// characters.
func shortTexts(fs ...textField) error {
	for _, f := range fs {
		if err := required(f.field, f.label, f.v); err != nil {
			return err
		}
		if len([]rune(f.v)) > 100 {
			return invalid(f.field, "%s不能超过 100 字", f.label)
		}
	}
	return nil
}

// ---- town, villages, aliases, items ----

// RegisterTown records a town on its log (the log's first entries) with the
// default source aliases and subsidy catalogue. It is idempotent: a town
// already registered is returned unchanged.
func (s *Service) RegisterTown(ctx context.Context, lg Log, actor string, t Town) (Town, error) {
	return write(ctx, s, lg, nil, func(w *txn) (Town, error) {
		var old Town
		if err := w.bk.Object(objTown, 1, &old); err == nil {
			return old, nil
		} else if !IsNotFound(err) {
			return Town{}, err
		}
		if t.Code == "" {
			t.Code = lg.Town
		}
		if t.ShortName == "" {
			t.ShortName = strings.TrimSuffix(strings.TrimSuffix(t.Name, "镇"), "乡")
		}
		if _, err := w.emit(TypeTownRegistered, actor, Date{}, townPayload{Code: t.Code, Name: t.Name, ShortName: t.ShortName,
			Phones: nonNil(t.Phones), Address: t.Address, Email: t.Email}); err != nil {
			return Town{}, err
		}
		aliases := make([]string, 0, len(DefaultSourceAliases))
		for a := range DefaultSourceAliases {
			aliases = append(aliases, a)
		}
		slices.Sort(aliases)
		for _, a := range aliases {
			if _, err := w.emit(TypeSourceAliasSet, actor, Date{}, aliasPayload{Alias: a, Level: DefaultSourceAliases[a]}); err != nil {
				return Town{}, err
			}
		}
		for _, it := range DefaultItems() {
			if _, err := w.emit(TypeItemDefined, actor, Date{}, itemToPayload(it)); err != nil {
				return Town{}, err
			}
		}
		return t, nil
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// UpdateTown changes what notices print of the town (PUT /api/v1/town).
func (s *Service) UpdateTown(ctx context.Context, lg Log, actor string, t Town, idem *Idem) (Town, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Town, error) {
		var old Town
		if err := w.bk.Object(objTown, 1, &old); err != nil {
			return Town{}, err
		}
		if err := required("name", "乡镇名称", t.Name); err != nil {
			return Town{}, err
		}
		if t.ShortName == "" {
			t.ShortName = old.ShortName
		}
		for _, p := range t.Phones {
			if !phoneLike(p) {
				return Town{}, invalid("phones", "监督电话 %q 格式不正确", p)
			}
		}
		t.Code = old.Code
		if err := checkBankColumns(t.BankColumns); err != nil {
			return Town{}, err
		}
		if err := checkTownContacts(&t); err != nil {
			return Town{}, err
		}
		if _, err := w.emit(TypeTownUpdated, actor, Date{}, townPayload{Code: old.Code, Name: t.Name, ShortName: t.ShortName,
			Phones: nonNil(t.Phones), Address: t.Address, Email: t.Email, CountyOffice: t.CountyOffice, CountyPhone: t.CountyPhone,
			AutoPublish: t.AutoPublish, BankColumns: t.BankColumns}); err != nil {
			return Town{}, err
		}
		return t, nil
	})
}

func phoneLike(p string) bool {
	if len(p) < 3 || len(p) > 20 {
		return false
	}
	for _, r := range p {
		if !(r >= '0' && r <= '9' || r == '-' || r == ' ' || r == '+') {
			return false
		}
	}
	return true
}

// Town returns the town of a log.
func (s *Service) Town(ctx context.Context, lg Log) (Town, error) {
	var t Town
	err := s.L.Store().Books(ctx, lg.ID).Object(objTown, 1, &t)
	return t, err
}

// AddVillage registers a village or community.
func (s *Service) AddVillage(ctx context.Context, lg Log, actor string, v Village, idem *Idem) (Village, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Village, error) {
		if err := required("code", "村代码", v.Code); err != nil {
			return Village{}, err
		}
		if err := required("name", "村名称", v.Name); err != nil {
			return Village{}, err
		}
		if len(v.Code) > 32 {
			return Village{}, invalid("code", "村代码过长")
		}
		if _, _, err := villageByCode(w.bk, v.Code); err == nil {
			return Village{}, &Error{Code: CodeConflict, Detail: fmt.Sprintf("村代码 %s 已存在", v.Code)}
		}
		if _, err := w.resolveVillage(v.Name); err == nil {
			return Village{}, &Error{Code: CodeConflict, Detail: fmt.Sprintf("村名称 %s 已存在", v.Name)}
		}
		v.Groups = nonNil(v.Groups)
		_, err := w.emit(TypeVillageRegistered, actor, Date{}, villagePayload{Code: v.Code, Name: v.Name, Groups: v.Groups})
		return v, err
	})
}

// Villages lists the villages of a log, by registration.
func (s *Service) Villages(ctx context.Context, lg Log) ([]Village, error) {
	return listObjects[Village](s.L.Store().Books(ctx, lg.ID), objVillage)
}

func listObjects[T any](bk Books, kind string) ([]T, error) {
	var out []T
	err := bk.Objects(kind, func(_ int64, raw []byte) error {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// resolveVillage finds a village by code or name.
func (w *txn) resolveVillage(codeOrName string) (Village, error) {
	return villageByCodeOrName(w.bk, codeOrName)
}

// ResolveVillage finds a village by code or name (ErrNotFound when none).
func (s *Service) ResolveVillage(ctx context.Context, lg Log, codeOrName string) (Village, error) {
	return villageByCodeOrName(s.L.Store().Books(ctx, lg.ID), codeOrName)
}

// villageByCodeOrName is one keyed read for a code; a name is looked for
// among the villages.
func villageByCodeOrName(bk Books, codeOrName string) (Village, error) {
	codeOrName = strings.TrimSpace(codeOrName)
	if _, v, err := villageByCode(bk, codeOrName); err == nil {
		return v, nil
	} else if !IsNotFound(err) {
		return Village{}, err
	}
	vs, err := listObjects[Village](bk, objVillage)
	if err != nil {
		return Village{}, err
	}
	for _, v := range vs {
		if v.Name == codeOrName {
			return v, nil
		}
	}
	return Village{}, ErrNotFound
}

// ensureGroup adds a 村民小组 the village lacks.
func (w *txn) ensureGroup(actor string, v Village, group string) error {
	if group == "" {
		return nil
	}
	_, cur, err := villageByCode(w.bk, v.Code)
	if err != nil {
		return err
	}
	if slices.Contains(cur.Groups, group) {
		return nil
	}
	_, err = w.emit(TypeVillageGroupsAdded, actor, Date{}, groupsPayload{Village: v.Code, Groups: []string{group}})
	return err
}

// SetSourceAlias maps what clerks type to a source level.
func (s *Service) SetSourceAlias(ctx context.Context, lg Log, actor, alias, level string) error {
	_, err := write(ctx, s, lg, nil, func(w *txn) (struct{}, error) {
		if !slices.Contains(SourceLevels, level) {
			return struct{}{}, invalid("level", "资金来源级次必须是%s之一", strings.Join(SourceLevels, "、"))
		}
		if err := required("alias", "别名", alias); err != nil {
			return struct{}{}, err
		}
		var old aliasPayload
		if _, err := w.bk.ObjectByKey(objAlias, alias, &old); err == nil {
			return struct{}{}, &Error{Code: CodeConflict, Detail: fmt.Sprintf("别名 %s 已对应 %s", alias, old.Level)}
		}
		_, err := w.emit(TypeSourceAliasSet, actor, Date{}, aliasPayload{Alias: alias, Level: level})
		return struct{}{}, err
	})
	return err
}

// sourceLevel resolves what a clerk typed to a source level.
func (w *txn) sourceLevel(typed string) (string, error) {
	typed = strings.TrimSpace(typed)
	if slices.Contains(SourceLevels, typed) {
		return typed, nil
	}
	var a aliasPayload
	if _, err := w.bk.ObjectByKey(objAlias, typed, &a); err == nil {
		return a.Level, nil
	} else if !IsNotFound(err) {
		return "", err
	}
	return "", invalid("source_level", "无法识别资金来源级次「%s」，应为%s之一", typed, strings.Join(SourceLevels, "、"))
}

func itemToPayload(it Item) itemPayload {
	p := itemPayload{Code: it.Code, Name: it.Name, Category: it.Category, Unit: it.Unit, Standard: int64(it.Standard),
		PerQuantity: it.PerQuantity, Period: it.Period, YearlyCap: int64(it.YearlyCap), Eligible: nonNil(it.Eligible),
		ListNoticeRequired: it.ListNoticeRequired}
	itemRuleSettings(it, &p)
	return p
}

func validateItem(it Item) error {
	if err := required("code", "补贴项目代码", it.Code); err != nil {
		return err
	}
	if err := required("name", "补贴项目名称", it.Name); err != nil {
		return err
	}
	if !slices.Contains(Purposes, it.Category) {
		return invalid("category", "类别必须是%s之一", strings.Join(Purposes, "、"))
	}
	if it.Unit != "person" && it.Unit != "household" {
		return invalid("unit", "发放单位必须是 person（到人）或 household（到户）")
	}
	if !slices.Contains([]string{"once", "year", "quarter", "month"}, it.Period) {
		return invalid("period", "发放周期必须是 once、year、quarter 或 month")
	}
	if it.Standard < 0 || it.YearlyCap < 0 {
		return invalid("standard", "补助标准不能为负数")
	}
	for _, e := range it.Eligible {
		if !slices.Contains(HouseholdKinds, e) && !slices.Contains(MonitoringKinds, e) {
			return invalid("eligible", "补助对象「%s」不是户属性或监测类型", e)
		}
	}
	return validateItemRules(it)
}

// DefineItem adds a subsidy item, or changes one (every change is an entry).
func (s *Service) DefineItem(ctx context.Context, lg Log, actor string, it Item, idem *Idem) (Item, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Item, error) {
		if err := validateItem(it); err != nil {
			return Item{}, err
		}
		it.Eligible = nonNil(it.Eligible)
		typ := TypeItemDefined
		var old Item
		if _, err := w.bk.ObjectByKey(objItem, it.Code, &old); err == nil {
			typ = TypeItemChanged
		} else if !IsNotFound(err) {
			return Item{}, err
		}
		_, err := w.emit(typ, actor, Date{}, itemToPayload(it))
		return it, err
	})
}

// Items lists the subsidy items, by code.
func (s *Service) Items(ctx context.Context, lg Log) ([]Item, error) {
	its, err := listObjects[Item](s.L.Store().Books(ctx, lg.ID), objItem)
	slices.SortFunc(its, func(a, b Item) int { return strings.Compare(a.Code, b.Code) })
	return its, err
}

// ---- organisations ----

// RegisterOrganisation registers a payee organisation (or returns the one
// with that 统一社会信用代码).
func (s *Service) RegisterOrganisation(ctx context.Context, lg Log, actor string, o Organisation, idem *Idem) (Organisation, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Organisation, error) {
		return w.organisation(actor, o)
	})
}

func (w *txn) organisation(actor string, o Organisation) (Organisation, error) {
	uscc, err := ParseUSCC(o.USCC)
	if err != nil {
		return Organisation{}, err
	}
	var old Organisation
	if _, err := w.bk.ObjectByKey(objOrg, uscc, &old); err == nil {
		return old, nil
	} else if !IsNotFound(err) {
		return Organisation{}, err
	}
	if err := required("name", "单位名称", o.Name); err != nil {
		return Organisation{}, err
	}
	e, err := w.emit(TypeOrganisationRegistered, actor, Date{}, orgPayload{Name: strings.TrimSpace(o.Name), USCC: uscc,
		LegalRepresentative: o.LegalRepresentative, AccountNo: NormalizeAccount(o.AccountNo)})
	if err != nil {
		return Organisation{}, err
	}
	return Organisation{ID: e.Seq, Name: strings.TrimSpace(o.Name), USCC: uscc, LegalRepresentative: o.LegalRepresentative,
		AccountNo: NormalizeAccount(o.AccountNo)}, nil
}

// errMalformed is how a reference to something unknown is reported: a
// validation error naming the field.
func unknownRef(field, format string, args ...any) error {
	return invalid(field, format, args...)
}

func itoa(n int) string { return fmt.Sprint(n) }

func asError(err error, target **Error) bool { return errors.As(err, target) }
