package ledger

import (
	"context"
	"slices"
	"strings"
)

// personByID finds the registered person with this ID number, through the
// blind index.
func (w *txn) personByID(idNumber string) (Person, error) {
	ids, err := w.bk.PersonsByBlindIndex(IndexID, w.s.Vault.Index(IndexID, idNumber))
	if err != nil {
		return Person{}, err
	}
	if len(ids) == 0 {
		return Person{}, ErrNotFound
	}
	var p Person
	err = w.bk.Object(objPerson, ids[0], &p)
	return p, err
}

// RegisterPersons registers the persons of a 花名册 (or one person through
// the API), with their households, in one request: all or nothing. Heads are
// registered before members; a row whose ID number is already registered
// updates that person (new household, relation, account, phone).
func (s *Service) RegisterPersons(ctx context.Context, lg Log, actor string, rows []PersonRow, idem *Idem) ([]Person, error) {
	return write(ctx, s, lg, idem, func(w *txn) ([]Person, error) {
		out, errs := w.registerPersons(actor, rows)
		if len(errs) > 0 {
			return nil, rowsInvalid(errs)
		}
		return out, nil
	})
}

// rowsInvalid is the error of an all-or-nothing batch with bad rows.
func rowsInvalid(errs []FieldError) error {
	if len(errs) == 1 && errs[0].Row == 0 {
		code := errs[0].Code
		if code == "" {
			code = CodeValidationFailed
		}
		return &Error{Code: code, Detail: errs[0].Message, Fields: errs}
	}
	return &Error{Code: CodeImportRowsInvalid, Detail: "有 " + itoa(len(errs)) + " 处数据有误，未写入任何记录，请修改后重新提交", Fields: errs}
}

// fieldErr turns an error about a row into a FieldError.
func fieldErr(row int, field string, err error) FieldError {
	fe := FieldError{Row: row, Field: field, Message: err.Error()}
	var e *Error
	if asError(err, &e) {
		fe.Message, fe.Code = e.Detail, e.Code
		if len(e.Fields) == 1 && field == "" {
			fe.Field = e.Fields[0].Field
		}
	}
	return fe
}

func (w *txn) registerPersons(actor string, rows []PersonRow) ([]Person, []FieldError) {
	var errs []FieldError
	// Normalize and check each row first.
	type prepared struct {
		r       PersonRow
		village Village
		id      string
		head    string
		holder  string
	}
	var ps []prepared
	for _, r := range rows {
		var p prepared
		p.r = r
		bad := func(field string, err error) { errs = append(errs, fieldErr(r.Row, field, err)) }
		var err error
		if p.id, err = ParseIDNumber(r.IDNumber); err != nil {
			bad("身份证号", err)
		}
		if p.head, err = ParseIDNumber(r.HeadIDNumber); err != nil {
			bad("户主身份证号", err)
		}
		if name, err := CheckPersonName(r.Name); err != nil {
			bad("姓名", err)
		} else if err := w.s.drawable(name); err != nil {
			bad("姓名", err)
		} else {
			p.r.Name = name // NFKC: a Kangxi-radical lookalike is stored as the ordinary character
		}
		if r.AccountHolderIDNumber != "" {
			if p.holder, err = ParseIDNumber(r.AccountHolderIDNumber); err != nil {
				bad("一卡通户名身份证号", err)
			}
		}
		if p.village, err = w.resolveVillage(r.Village); err != nil {
			bad("村", invalid("village", "未找到村「%s」", r.Village))
		}
		if !slices.Contains(HouseholdKinds, r.HouseholdKind) {
			bad("户属性", invalid("household_kind", "户属性必须是%s之一", strings.Join(HouseholdKinds, "、")))
		}
		if r.MonitoringKind != "" && !slices.Contains(MonitoringKinds, r.MonitoringKind) {
			bad("监测类型", invalid("monitoring_kind", "监测类型必须是%s之一", strings.Join(MonitoringKinds, "、")))
		}
		ps = append(ps, p)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	// Heads first, then members, each in sheet order.
	slices.SortStableFunc(ps, func(a, b prepared) int {
		ah, bh := a.id == a.head, b.id == b.head
		switch {
		case ah && !bh:
			return -1
		case !ah && bh:
			return 1
		}
		return 0
	})
	var out []Person
	for _, p := range ps {
		r := p.r
		bad := func(field string, err error) { errs = append(errs, fieldErr(r.Row, field, err)) }
		if err := w.ensureGroup(actor, p.village, r.Group); err != nil {
			bad("村民小组", err)
			continue
		}
		isHead := p.id == p.head
		var household int64
		if existing, err := w.personByID(p.head); err == nil {
			household = existing.Household
		} else if !IsNotFound(err) {
			bad("户主身份证号", err)
			continue
		} else if !isHead {
			bad("户主身份证号", invalid("head_id_number", "户主尚未登记：请先登记户主，或把户主行放在同一张表中"))
			continue
		}
		if household == 0 { // a new household, headed by this row
			e, err := w.emit(TypeHouseholdRegistered, actor, r.JoinedOn, householdPayload{Village: p.village.Code, Group: r.Group,
				Kind: r.HouseholdKind, MonitoringKind: r.MonitoringKind})
			if err != nil {
				bad("", err)
				continue
			}
			household = e.Seq
		}
		priv := PersonPrivate{Name: strings.TrimSpace(r.Name), IDNumber: p.id, Phone: strings.TrimSpace(r.Phone)}
		if r.AccountNo != "" {
			priv.Accounts = []BankAccount{{Bank: r.Bank, Number: NormalizeAccount(r.AccountNo)}}
		}
		existing, err := w.personByID(p.id)
		if err != nil && !IsNotFound(err) {
			bad("身份证号", err)
			continue
		}
		personID := existing.ID
		typ := TypePersonUpdated
		if personID == 0 {
			personID, typ = w.b.NextSeq(), TypePersonRegistered
		}
		rec, sum, err := w.s.Vault.Seal(w.town, personID, priv)
		if err != nil {
			bad("", err)
			continue
		}
		pl := personPayload{Household: household, Relation: r.Relation, JoinedOn: dateStr(r.JoinedOn), Head: isHead, CipherSHA256: sum}
		if typ == TypePersonUpdated {
			pl.Person = personID
		}
		e, err := w.emit(typ, actor, r.JoinedOn, pl)
		if err != nil {
			bad("", err)
			continue
		}
		if typ == TypePersonRegistered && e.Seq != personID {
			bad("", invalid("", "内部错误：人员编号不一致"))
			continue
		}
		if err := w.bk.PutPrivate(rec); err != nil {
			bad("", err)
			continue
		}
		if err := w.bk.PutBlindIndex(IndexID, w.s.Vault.Index(IndexID, p.id), personID); err != nil {
			bad("", err)
			continue
		}
		if r.AccountNo != "" {
			if err := w.bk.PutBlindIndex(IndexAccount, w.s.Vault.Index(IndexAccount, r.AccountNo), personID); err != nil {
				bad("", err)
				continue
			}
		}
		if isHead && r.HouseholdKind != "" && existing.ID != 0 {
			// the head's row carries the household's attributes
			var h Household
			if err := w.bk.Object(objHousehold, household, &h); err == nil && (h.Kind != r.HouseholdKind || h.MonitoringKind != r.MonitoringKind || h.Group != r.Group) {
				if _, err := w.emit(TypeHouseholdUpdated, actor, Date{}, householdPayload{Household: household, Village: h.Village,
					Group: r.Group, Kind: r.HouseholdKind, MonitoringKind: r.MonitoringKind}); err != nil {
					bad("", err)
					continue
				}
			}
		}
		var per Person
		if err := w.bk.Object(objPerson, personID, &per); err != nil {
			bad("", err)
			continue
		}
		out = append(out, per)
	}
	return out, errs
}

// RecordRegisters records marks from other registers (其他登记) in one request.
func (s *Service) RecordRegisters(ctx context.Context, lg Log, actor string, rows []RegisterRow, idem *Idem) (int, error) {
	return write(ctx, s, lg, idem, func(w *txn) (int, error) {
		errs := w.recordRegisters(actor, rows)
		if len(errs) > 0 {
			return 0, rowsInvalid(errs)
		}
		return len(rows), nil
	})
}

func (w *txn) recordRegisters(actor string, rows []RegisterRow) []FieldError {
	var errs []FieldError
	for _, r := range rows {
		bad := func(field string, err error) { errs = append(errs, fieldErr(r.Row, field, err)) }
		id, err := ParseIDNumber(r.IDNumber)
		if err != nil {
			bad("身份证号", err)
			continue
		}
		if !slices.Contains(RegisterKinds, r.Kind) {
			bad("登记类型", invalid("kind", "登记类型必须是%s之一", strings.Join(RegisterKinds, "、")))
			continue
		}
		per, err := w.personByID(id)
		if IsNotFound(err) {
			bad("身份证号", invalid("id_number", "未找到该身份证号对应的登记人员"))
			continue
		} else if err != nil {
			bad("", err)
			continue
		}
		pl := registerPayload{Person: per.ID, Kind: r.Kind, On: dateStr(r.On)}
		if r.Kind == "干部亲属" {
			rid, err := ParseIDNumber(r.RelatedIDNumber)
			if err != nil {
				bad("关联身份证号", err)
				continue
			}
			rel, err := w.personByID(rid)
			if err != nil {
				bad("关联身份证号", invalid("related_id_number", "未找到关联的干部"))
				continue
			}
			pl.Related = rel.ID
		}
		if _, err := w.emit(TypeRegisterMarked, actor, r.On, pl); err != nil {
			bad("", err)
		}
	}
	return errs
}

// PersonView is a person with their private data, for staff who may see it.
type PersonView struct {
	Person
	Private   PersonPrivate
	Erased    bool
	Household Household
}

// ReadPerson returns a person with their decrypted personal data and records
// the unmasked read (who, whom, when). Masking for the caller's role is the
// caller's (disclosure's) job.
func (s *Service) ReadPerson(ctx context.Context, lg Log, user string, id int64, purpose string) (PersonView, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	var v PersonView
	if err := bk.Object(objPerson, id, &v.Person); err != nil {
		return v, err
	}
	if err := bk.Object(objHousehold, v.Person.Household, &v.Household); err != nil {
		return v, err
	}
	rec, err := bk.Private(id)
	if err != nil {
		return v, err
	}
	v.Private, err = s.Vault.Open(lg.Town, rec)
	if err == ErrErased {
		v.Erased, err = true, nil
	}
	if err != nil {
		return v, err
	}
	if user != "" {
		if err := bk.RecordUnmaskedRead(user, id, s.L.Now().UTC().Format("2006-01-02T15:04:05Z"), purpose); err != nil {
			return v, err
		}
	}
	return v, nil
}

// FindPersonByID returns the person with an ID number (through the blind
// index), or ErrNotFound.
func (s *Service) FindPersonByID(ctx context.Context, lg Log, idNumber string) (Person, error) {
	id, err := ParseIDNumber(idNumber)
	if err != nil {
		return Person{}, err
	}
	bk := s.L.Store().Books(ctx, lg.ID)
	ids, err := bk.PersonsByBlindIndex(IndexID, s.Vault.Index(IndexID, id))
	if err != nil {
		return Person{}, err
	}
	if len(ids) == 0 {
		return Person{}, ErrNotFound
	}
	var p Person
	err = bk.Object(objPerson, ids[0], &p)
	return p, err
}

// ErasePerson erases a person's personal data (PIPL): their data key and
// blind-index rows are deleted; the log and its tree are untouched, and the
// person stays in the books under their internal id.
func (s *Service) ErasePerson(ctx context.Context, lg Log, person int64) error {
	_, err := write(ctx, s, lg, nil, func(w *txn) (struct{}, error) {
		var p Person
		if err := w.bk.Object(objPerson, person, &p); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, w.bk.ErasePrivate(person)
	})
	return err
}
