package ledger

import "testing"

// TestOrganisationPeopleWithheld: the entry naming an organisation's
// 法定代表人 and 股东 as registry persons is withheld (whole entries are
// public only for public families), while the organisation itself stays
// public. Public, its person ids would tie a representative's full name
// (public on organisation_registered) to their household's payments.
func TestOrganisationPeopleWithheld(t *testing.T) {
	if IsPublic("organisation_people_recorded") {
		t.Fatal("organisation_people_recorded is public")
	}
	if f, _ := Family("organisation_people_recorded"); f != "organisation_people" {
		t.Fatalf("family %q", f)
	}
	if !IsPublic("organisation_registered") {
		t.Fatal("organisation_registered is withheld")
	}
}
