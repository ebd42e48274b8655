"""Messages a person reads, in Nynorsk first, then Bokmål and English."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("nn", "nb", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "required": {
        "nn": "Feltet må fyllast ut.",
        "nb": "Feltet må fylles ut.",
        "en": "This field is required.",
    },
    "unknown_field": {
        "nn": "Skjemaet har ikkje dette feltet.",
        "nb": "Skjemaet har ikke dette feltet.",
        "en": "The form has no such field.",
    },
    "type": {
        "nn": "Feil type verdi (venta {expected}).",
        "nb": "Feil type verdi (ventet {expected}).",
        "en": "Wrong type of value (expected {expected}).",
    },
    "enum": {
        "nn": "Vel ein av: {choices}.",
        "nb": "Velg en av: {choices}.",
        "en": "Choose one of: {choices}.",
    },
    "min_length": {
        "nn": "Skriv minst {limit} teikn.",
        "nb": "Skriv minst {limit} tegn.",
        "en": "Write at least {limit} characters.",
    },
    "max_length": {
        "nn": "Skriv høgst {limit} teikn.",
        "nb": "Skriv høyst {limit} tegn.",
        "en": "Write at most {limit} characters.",
    },
    "min_words": {
        "nn": "Skriv ei heil setning (minst {limit} ord).",
        "nb": "Skriv en hel setning (minst {limit} ord).",
        "en": "Write a full sentence (at least {limit} words).",
    },
    "min_items": {
        "nn": "Vel minst {limit}.",
        "nb": "Velg minst {limit}.",
        "en": "Choose at least {limit}.",
    },
    "unique_items": {
        "nn": "Same verdi er vald fleire gonger.",
        "nb": "Samme verdi er valgt flere ganger.",
        "en": "The same value is chosen more than once.",
    },
    "email": {
        "nn": "Skriv ei gyldig e-postadresse.",
        "nb": "Skriv en gyldig e-postadresse.",
        "en": "Enter a valid e-mail address.",
    },
    "unknown_user": {
        "nn": "«{value}» er ingen aktiv brukar.",
        "nb": "«{value}» er ingen aktiv bruker.",
        "en": "“{value}” is not an active user.",
    },
    "unknown_unit": {
        "nn": "«{value}» er inga kjend eining.",
        "nb": "«{value}» er ingen kjent enhet.",
        "en": "“{value}” is not a known unit.",
    },
    "unit_not_yours": {
        "nn": "Du kan berre søkje for eiga eining.",
        "nb": "Du kan bare søke for egen enhet.",
        "en": "You can only apply for your own unit.",
    },
    "deputy_is_owner": {
        "nn": "Stedfortredaren må vere ein annan person enn eigaren (A4).",
        "nb": "Stedfortrederen må være en annen person enn eieren (A4).",
        "en": "The deputy must be someone other than the owner (A4).",
    },
    "justification_required": {
        "nn": "Eininga har alt ein aktiv konto på {platform}: grunngje kvifor ho treng ein til (A1).",
        "nb": "Enheten har allerede en konto på {platform}: begrunn hvorfor den trenger en til (A1).",
        "en": "The unit already has an active {platform} account: justify another one (A1).",
    },
    "comment_required": {
        "nn": "Skriv ein kommentar når du avslår eller sender søknaden attende.",
        "nb": "Skriv en kommentar når du avslår eller sender søknaden tilbake.",
        "en": "Write a comment when you reject or return the application.",
    },
    "moderators_required": {
        "nn": "Peik ut minst éin moderator frå skulen (A5).",
        "nb": "Pek ut minst én moderator fra skolen (A5).",
        "en": "Name at least one moderator from the school (A5).",
    },
    "moderators_only_school": {
        "nn": "Moderatorar blir peikte ut berre for skulekontoar (A5).",
        "nb": "Moderatorer pekes ut bare for skolekontoer (A5).",
        "en": "Moderators are named for school accounts only (A5).",
    },
    "moderator_other_unit": {
        "nn": "«{value}» høyrer ikkje til {unit} (A5).",
        "nb": "«{value}» hører ikke til {unit} (A5).",
        "en": "“{value}” does not belong to {unit} (A5).",
    },
    "warning_second_account": {
        "nn": "A1: Eininga har alt {count} aktiv(e) konto(ar) på {platform}.",
        "nb": "A1: Enheten har allerede {count} aktiv(e) konto(er) på {platform}.",
        "en": "A1: The unit already has {count} active account(s) on {platform}.",
    },
    "warning_personal_mailbox": {
        "nn": "E8: «{mailbox}» ser ut som ei personleg adresse; bruk ein funksjonell postboks.",
        "nb": "E8: «{mailbox}» ser ut som en personlig adresse; bruk en funksjonell postboks.",
        "en": "E8: “{mailbox}” looks like a personal address; use a functional mailbox.",
    },
}


def render(code: str, params: dict[str, Any] | None = None, lang: str = "nn") -> str:
    texts = CATALOGUE[code]
    return texts.get(lang, texts["nn"]).format(**(params or {}))
