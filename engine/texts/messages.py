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
    "date_time": {
        "nn": "«{value}» er ikkje eit gyldig tidspunkt (t.d. 2026-11-23T09:00:00+01:00).",
        "nb": "«{value}» er ikke et gyldig tidspunkt (f.eks. 2026-11-23T09:00:00+01:00).",
        "en": "“{value}” is not a valid moment (e.g. 2026-11-23T09:00:00+01:00).",
    },
    "unknown_account_value": {
        "nn": "«{value}» er ingen aktiv konto i kontoregisteret.",
        "nb": "«{value}» er ingen aktiv konto i kontoregisteret.",
        "en": "“{value}” is not an active account in the registry.",
    },
    "account_closed_value": {
        "nn": "Kontoen «{account_name}» på {platform} er nedlagd i kontoregisteret og kan ikkje "
        "brukast i nye saker.",
        "nb": "Kontoen «{account_name}» på {platform} er nedlagt i kontoregisteret og kan ikke "
        "brukes i nye saker.",
        "en": "The account “{account_name}” on {platform} is closed in the registry and cannot be "
        "used in new cases.",
    },
    "held_by_crisis": {
        "nn": "Kontoen står på vent medan krisa «{title}» varer: berre leiinga uttaler seg. "
        "Prøv att når krisa er over.",
        "nb": "Kontoen står på vent mens krisen «{title}» varer: bare ledelsen uttaler seg. "
        "Prøv igjen når krisen er over.",
        "en": "The account is on hold during the crisis “{title}”: only management speaks. "
        "Try again when the crisis is over.",
    },
    "crisis_accounts_required": {
        "nn": "Vel kontoane krisa gjeld, eller kryss av for alle.",
        "nb": "Velg kontoene krisen gjelder, eller kryss av for alle.",
        "en": "Choose the accounts the crisis concerns, or tick all of them.",
    },
    "uri": {
        "nn": "«{value}» er ikkje ei nettadresse. Skriv heile adressa, med https://.",
        "nb": "«{value}» er ikke en nettadresse. Skriv hele adressen, med https://.",
        "en": "“{value}” is not a web address. Write the whole address, with https://.",
    },
    "handler_raised_it": {
        "nn": "{value} melde frå om saka og kan ikkje handsame ho. Vel ein annan i seksjonen.",
        "nb": "{value} meldte fra om saken og kan ikke behandle den. Velg en annen i seksjonen.",
        "en": "{value} raised the matter and cannot handle it. Choose someone else in the section.",
    },
    "handler_not_comms": {
        "nn": "{value} er ikkje i informasjonsseksjonen. Vel ein handsamar derifrå.",
        "nb": "{value} er ikke i informasjonsseksjonen. Velg en saksbehandler derfra.",
        "en": "{value} is not in the communications section. Choose a handler from there.",
    },
    "not_account_team": {
        "nn": "Berre eigaren, stedfortredaren og moderatorane av kontoen kan registrere førespurnader på han.",
        "nb": "Bare eieren, stedfortrederen og moderatorene av kontoen kan registrere henvendelser på den.",
        "en": "Only the account's owner, deputy and moderators can register inquiries on it.",
    },
    "reply_text_required": {
        "nn": "Skriv svaret.",
        "nb": "Skriv svaret.",
        "en": "Write the reply.",
    },
    "reply_text_when_closing": {
        "nn": "Du lukkar utan svar: ta bort svarteksten, eller vel å svare (G4).",
        "nb": "Du lukker uten svar: fjern svarteksten, eller velg å svare (G4).",
        "en": "You are closing without a reply: remove the reply text, or choose to reply (G4).",
    },
    "reply_template_fixed": {
        "nn": "Denne typen førespurnad skal svarast med malen «{template}».",
        "nb": "Denne typen henvendelse skal besvares med malen «{template}».",
        "en": "This kind of inquiry is answered with the template “{template}”.",
    },
    "reply_no_substance": {
        "nn": "Denne førespurnaden skal ikkje svarast på innhaldet her; send berre malen «{template}» (G8, G10).",
        "nb": "Denne henvendelsen skal ikke besvares på innholdet her; send bare malen «{template}» (G8, G10).",
        "en": "This inquiry is not answered on substance here; send only the template “{template}” (G8, G10).",
    },
    "saved_reply_inactive": {
        "nn": "«{value}» er ingen aktiv svarmal.",
        "nb": "«{value}» er ingen aktiv svarmal.",
        "en": "“{value}” is not an active saved reply.",
    },
    "saved_reply_placeholder": {
        "nn": "«{value}» er ingen kjend plasshaldar. Bruk berre {allowed}.",
        "nb": "«{value}» er ingen kjent plassholder. Bruk bare {allowed}.",
        "en": "“{value}” is not a known placeholder. Use only {allowed}.",
    },
    "saved_reply_brace": {
        "nn": "Krøllparentesar er berre for plasshaldarar: {allowed}.",
        "nb": "Krøllparenteser er bare for plassholdere: {allowed}.",
        "en": "Curly brackets are only for placeholders: {allowed}.",
    },
    "saved_reply_key": {
        "nn": "Bruk berre små bokstavar a–z, tal og _, og byrj med ein bokstav (2–64 teikn).",
        "nb": "Bruk bare små bokstaver a–z, tall og _, og begynn med en bokstav (2–64 tegn).",
        "en": "Use only lower-case letters a–z, digits and _, starting with a letter (2–64 characters).",
    },
    "saved_reply_key_taken": {
        "nn": "Det finst alt ein svarmal med nøkkelen «{value}».",
        "nb": "Det finnes allerede en svarmal med nøkkelen «{value}».",
        "en": "A saved reply with the key “{value}” already exists.",
    },
    "saved_reply_routed": {
        "nn": "Rutetabellen føreskriv malen «{value}», så han kan ikkje deaktiverast. Endre teksten i staden.",
        "nb": "Rutetabellen foreskriver malen «{value}», så den kan ikke deaktiveres. Endre teksten i stedet.",
        "en": "The routing table prescribes the template “{value}”, so it cannot be deactivated. Change its text instead.",
    },
    "absence_in_past": {
        "nn": "Fråværet kan ikkje starte meir enn ein time tilbake i tid.",
        "nb": "Fraværet kan ikke starte mer enn en time tilbake i tid.",
        "en": "The absence cannot start more than an hour in the past.",
    },
    "absence_end_before_start": {
        "nn": "Slutten må kome etter starten.",
        "nb": "Slutten må komme etter starten.",
        "en": "The end must come after the start.",
    },
    "absence_too_long": {
        "nn": "Eit fråvær kan vare i høgst {days} dagar.",
        "nb": "Et fravær kan vare i høyst {days} dager.",
        "en": "An absence can last at most {days} days.",
    },
    "case_not_visible": {
        "nn": "Du har inga sak med nummer {value} som du kan opne. Skriv nummeret på ei sak du har tilgang til.",
        "nb": "Du har ingen sak med nummer {value} som du kan åpne. Skriv nummeret på en sak du har tilgang til.",
        "en": "There is no case number {value} that you can open. Enter the number of a case you have access to.",
    },
    "follow_up_question_required": {
        "nn": "Skriv oppfølgingsspørsmålet.",
        "nb": "Skriv oppfølgingsspørsmålet.",
        "en": "Write the follow-up question.",
    },
    "follow_up_question_when_closing": {
        "nn": "Du lukkar saka: ta bort spørsmålet, eller vel å stille eit oppfølgingsspørsmål.",
        "nb": "Du lukker saken: fjern spørsmålet, eller velg å stille et oppfølgingsspørsmål.",
        "en": "You are closing the case: remove the question, or choose to ask a follow-up question.",
    },
    # --- forum pause (G2c) --------------------------------------------------------------------
    "pause_not_account_team": {
        "nn": "Berre eigaren, stedfortredaren og moderatorane av kontoen kan be om pause i forumet.",
        "nb": "Bare eieren, stedfortrederen og moderatorene av kontoen kan be om pause i forumet.",
        "en": "Only the account's owner, deputy and moderators can ask to pause its forum.",
    },
    "pause_end_before_start": {
        "nn": "Pausen må slutte etter at ho byrjar: «til» må vere seinare enn «frå».",
        "nb": "Pausen må slutte etter at den begynner: «til» må være senere enn «fra».",
        "en": "The pause must end after it begins: “to” must be later than “from”.",
    },
    "pause_in_past": {
        "nn": "Pausen kan ikkje byrje meir enn ein time tilbake i tid.",
        "nb": "Pausen kan ikke begynne mer enn en time tilbake i tid.",
        "en": "The pause cannot begin more than an hour in the past.",
    },
    "notice_without_period": {
        "nn": "Varselet må seie kor lenge forumet er stengt (G2c): skriv datoane {from} og {to} "
        "(d.m.åååå), t.d. «frå {from} til {to}».",
        "nb": "Varselet må si hvor lenge forumet er stengt (G2c): skriv datoene {from} og {to} "
        "(d.m.åååå), f.eks. «fra {from} til {to}».",
        "en": "The notice must say how long the forum is closed (G2c): write the dates {from} "
        "and {to} (d.m.yyyy), e.g. “from {from} to {to}”.",
    },
    "confirm_notice_published": {
        "nn": "Stadfest at varselet er publisert på forumet. Er det ikkje gjort enno, gjer det først.",
        "nb": "Bekreft at varselet er publisert på forumet. Er det ikke gjort ennå, gjør det først.",
        "en": "Confirm that the notice is published on the forum. If it is not done yet, do it first.",
    },
    "confirm_forum_reopened": {
        "nn": "Stadfest at forumet er ope att og varselet fjerna. Er det ikkje gjort enno, gjer det først.",
        "nb": "Bekreft at forumet er åpent igjen og varselet fjernet. Er det ikke gjort ennå, gjør det først.",
        "en": "Confirm that the forum is open again and the notice removed. If not, do it first.",
    },
    # --- refusals of an action (errors.SomeflytError.code) -------------------------------------
    "absence_not_yours": {
        "nn": "Du kan berre registrere fråvær for deg sjølv og for teamet på kontoar du eig.",
        "nb": "Du kan bare registrere fravær for deg selv og for teamet på kontoer du eier.",
        "en": "You can register absence only for yourself and the team of accounts you own.",
    },
    "unknown_absence": {
        "nn": "Fråværet finst ikkje.",
        "nb": "Fraværet finnes ikke.",
        "en": "There is no such absence.",
    },
    "overview_not_allowed": {
        "nn": "Oversikta over kontoane er for kommunikasjonsseksjonen, informasjonssjefen, "
        "administratorar og revisorar.",
        "nb": "Oversikten over kontoene er for kommunikasjonsseksjonen, informasjonssjefen, "
        "administratorer og revisorer.",
        "en": "The account overview is for the communications section, the head of "
        "information, administrators and auditors.",
    },
    "task_already_completed": {
        "nn": "Oppgåva «{task}» er allereie fullført av {who}. Ingenting av det du sende inn er lagra.",
        "nb": "Oppgaven «{task}» er allerede fullført av {who}. Ingenting av det du sendte inn er lagret.",
        "en": "The task “{task}” was already completed by {who}. Nothing you submitted was saved.",
    },
    "read_only": {
        "nn": "Revisorar kan lese alt, men ikkje endre noko.",
        "nb": "Revisorer kan lese alt, men ikke endre noe.",
        "en": "Auditors can read everything but change nothing.",
    },
    "own_case": {
        "nn": "Du kan ikkje avgjere di eiga sak.",
        "nb": "Du kan ikke avgjøre din egen sak.",
        "en": "You cannot decide your own case.",
    },
    "task_taken": {
        "nn": "Oppgåva er teken av {assignee}.",
        "nb": "Oppgaven er tatt av {assignee}.",
        "en": "The task has been claimed by {assignee}.",
    },
    "not_candidate": {
        "nn": "Du kan ikkje utføre oppgåva «{task}».",
        "nb": "Du kan ikke utføre oppgaven «{task}».",
        "en": "You may not perform the task “{task}”.",
    },
    "not_candidate_delegate": {
        "nn": "«{value}» kan ikkje utføre oppgåva «{task}».",
        "nb": "«{value}» kan ikke utføre oppgaven «{task}».",
        "en": "“{value}” may not perform the task “{task}”.",
    },
    "admin_only": {
        "nn": "Berre administratorar kan gjere dette.",
        "nb": "Bare administratorer kan gjøre dette.",
        "en": "Only administrators can do this.",
    },
    "not_your_case": {
        "nn": "Du har ikkje tilgang til denne saka.",
        "nb": "Du har ikke tilgang til denne saken.",
        "en": "You do not have access to this case.",
    },
    "unknown_task": {
        "nn": "Oppgåva finst ikkje.",
        "nb": "Oppgaven finnes ikke.",
        "en": "There is no such task.",
    },
    "unknown_case": {
        "nn": "Saka finst ikkje.",
        "nb": "Saken finnes ikke.",
        "en": "There is no such case.",
    },
    "unknown_process": {
        "nn": "Prosessen «{value}» finst ikkje.",
        "nb": "Prosessen «{value}» finnes ikke.",
        "en": "There is no process “{value}”.",
    },
    "unknown_account": {
        "nn": "Kontoen finst ikkje.",
        "nb": "Kontoen finnes ikke.",
        "en": "There is no such account.",
    },
    "concurrent_change": {
        "nn": "Saka vart endra av nokon andre i same augneblink. Prøv igjen.",
        "nb": "Saken ble endret av noen andre i samme øyeblikk. Prøv igjen.",
        "en": "Someone else changed the case at the same moment. Please try again.",
    },
    "database_busy": {
        "nn": "Databasen var oppteken av ei anna endring. Prøv igjen.",
        "nb": "Databasen var opptatt med en annen endring. Prøv igjen.",
        "en": "The database was busy with another change. Please try again.",
    },
    "already_exists": {
        "nn": "Det finst alt noko med same namn eller nøkkel.",
        "nb": "Det finnes allerede noe med samme navn eller nøkkel.",
        "en": "Something with the same name or key already exists.",
    },
    "username_taken": {
        "nn": "Brukarnamnet «{value}» er alt i bruk.",
        "nb": "Brukernavnet «{value}» er allerede i bruk.",
        "en": "The username “{value}” is already taken.",
    },
    "unit_taken": {
        "nn": "Eininga «{value}» finst alt.",
        "nb": "Enheten «{value}» finnes allerede.",
        "en": "The unit “{value}” already exists.",
    },
    "identifier": {
        "nn": "Bruk berre små bokstavar a–z, tal, punktum, _ og - (2–64 teikn).",
        "nb": "Bruk bare små bokstaver a–z, tall, punktum, _ og - (2–64 tegn).",
        "en": "Use only lower-case letters a–z, digits, full stop, _ and - (2–64 characters).",
    },
    "admin_self": {
        "nn": "Du kan ikkje ta frå deg sjølv administratorrolla eller deaktivere deg sjølv.",
        "nb": "Du kan ikke ta fra deg selv administratorrollen eller deaktivere deg selv.",
        "en": "You cannot remove your own administrator role or deactivate yourself.",
    },
    "unit_has_people": {
        "nn": "Eininga har {count} aktive brukarar. Flytt dei til ei anna eining først.",
        "nb": "Enheten har {count} aktive brukere. Flytt dem til en annen enhet først.",
        "en": "The unit has {count} active users. Move them to another unit first.",
    },
    "admin_exists": {
        "nn": "Det finst alt ein administrator; legg til folk i nettlesaren.",
        "nb": "Det finnes allerede en administrator; legg til folk i nettleseren.",
        "en": "An administrator already exists; add people in the browser.",
    },
    "unknown_notification": {
        "nn": "Det finst inga mislukka melding med denne nummeret.",
        "nb": "Det finnes ingen mislykket melding med dette nummeret.",
        "en": "There is no failed notification with this number.",
    },
    "comms_only": {
        "nn": "Berre kommunikasjonsseksjonen og administratorar kan endre svarmalar.",
        "nb": "Bare kommunikasjonsseksjonen og administratorer kan endre svarmaler.",
        "en": "Only the communications section and administrators can change saved replies.",
    },
    "unknown_saved_reply": {
        "nn": "Svarmalen finst ikkje.",
        "nb": "Svarmalen finnes ikke.",
        "en": "There is no such saved reply.",
    },
    # --- posts and consents (G11, engine/consents.py) ----------------------------------------
    "post_not_account_team": {
        "nn": "Berre eigaren, stedfortredaren og moderatorane av kontoen kan lage innlegg på han.",
        "nb": "Bare eieren, stedfortrederen og moderatorene av kontoen kan lage innlegg på den.",
        "en": "Only the account's owner, deputy and moderators can draft posts on it.",
    },
    "post_comment_required": {
        "nn": "Skriv ein kommentar når du sender innlegget attende.",
        "nb": "Skriv en kommentar når du sender innlegget tilbake.",
        "en": "Write a comment when you return the post.",
    },
    "photo_label_required": {
        "nn": "Skriv kva biletet viser, så det kan kjennast att.",
        "nb": "Skriv hva bildet viser, så det kan kjennes igjen.",
        "en": "Say what the photo shows, so it can be recognised.",
    },
    "photo_people_count": {
        "nn": "Skriv eit heilt tal: 0 eller fleire.",
        "nb": "Skriv et heltall: 0 eller flere.",
        "en": "Enter a whole number: 0 or more.",
    },
    "photo_missing_consent": {
        "nn": "Biletet «{photo}» viser {people} person(ar) som kan kjennast att, men har samtykke "
        "frå {count}. Ikkje legg ut bilete utan samtykke frå personane som er med (G11).",
        "nb": "Bildet «{photo}» viser {people} person(er) som kan kjennes igjen, men har samtykke "
        "fra {count}. Ikke legg ut bilder uten samtykke fra personene som er med (G11).",
        "en": "The photo “{photo}” shows {people} identifiable person(s) but has consent from "
        "{count}. No photos of people without their consent (G11).",
    },
    "consent_withdrawn": {
        "nn": "Biletet «{photo}»: {name} trekte tilbake samtykket sitt {when}. Ta biletet ut (G11).",
        "nb": "Bildet «{photo}»: {name} trakk tilbake samtykket sitt {when}. Ta bildet ut (G11).",
        "en": "Photo “{photo}”: {name} withdrew their consent on {when}. Take the photo out (G11).",
    },
    "consent_other_account": {
        "nn": "Biletet «{photo}»: samtykket frå {name} gjeld ein annan konto (G11).",
        "nb": "Bildet «{photo}»: samtykket fra {name} gjelder en annen konto (G11).",
        "en": "Photo “{photo}”: the consent from {name} covers another account (G11).",
    },
    "consent_expired": {
        "nn": "Biletet «{photo}»: samtykket frå {name} gjeld berre til {until} (G11).",
        "nb": "Bildet «{photo}»: samtykket fra {name} gjelder bare til {until} (G11).",
        "en": "Photo “{photo}”: the consent from {name} is valid only until {until} (G11).",
    },
    "consent_needs_guardian": {
        "nn": "Biletet «{photo}»: {name} er under 15 år, så ein føresett må samtykke (G11).",
        "nb": "Bildet «{photo}»: {name} er under 15 år, så en foresatt må samtykke (G11).",
        "en": "Photo “{photo}”: {name} is under 15, so a guardian must consent (G11).",
    },
    "unknown_consent_value": {
        "nn": "«{value}» er ikkje eit samtykke i registeret.",
        "nb": "«{value}» er ikke et samtykke i registeret.",
        "en": "“{value}” is not a consent in the register.",
    },
    "consent_guardian_required": {
        "nn": "Personen er under 15 år: samtykket må kome frå ein føresett (G11).",
        "nb": "Personen er under 15 år: samtykket må komme fra en foresatt (G11).",
        "en": "The person is under 15: the consent must come from a guardian (G11).",
    },
    "consent_guardian_name": {
        "nn": "Skriv namnet på den føresette som samtykte.",
        "nb": "Skriv navnet på den foresatte som samtykket.",
        "en": "Enter the name of the guardian who consented.",
    },
    "consent_date": {
        "nn": "«{value}» er ikkje ein gyldig dato (t.d. 2026-11-23).",
        "nb": "«{value}» er ikke en gyldig dato (f.eks. 2026-11-23).",
        "en": "“{value}” is not a valid date (e.g. 2026-11-23).",
    },
    "consent_given_in_future": {
        "nn": "Samtykket kan ikkje vere gitt fram i tid.",
        "nb": "Samtykket kan ikke være gitt frem i tid.",
        "en": "The consent cannot have been given in the future.",
    },
    "consent_valid_until_before": {
        "nn": "Siste dag må vere etter datoen samtykket vart gitt.",
        "nb": "Siste dag må være etter datoen samtykket ble gitt.",
        "en": "The last day must come after the day the consent was given.",
    },
    "consent_account_not_yours": {
        "nn": "Du kan registrere samtykke berre for kontoar du er med på. Samtykke for alle "
        "kontoar registrerer informasjonsseksjonen.",
        "nb": "Du kan registrere samtykke bare for kontoer du er med på. Samtykke for alle "
        "kontoer registrerer informasjonsseksjonen.",
        "en": "You can register consents only for accounts you are on. Consents for all "
        "accounts are registered by the communications section.",
    },
    "consent_already_withdrawn": {
        "nn": "Samtykket er alt trekt tilbake.",
        "nb": "Samtykket er allerede trukket tilbake.",
        "en": "The consent has already been withdrawn.",
    },
    "consents_not_allowed": {
        "nn": "Samtykkeregisteret er for teama på kontoane, kommunikasjonsseksjonen, "
        "administratorar og revisorar.",
        "nb": "Samtykkeregisteret er for teamene på kontoene, kommunikasjonsseksjonen, "
        "administratorer og revisorer.",
        "en": "The consent register is for the accounts' teams, the communications section, "
        "administrators and auditors.",
    },
    "unknown_consent": {
        "nn": "Samtykket finst ikkje.",
        "nb": "Samtykket finnes ikke.",
        "en": "There is no such consent.",
    },
    # --- account closure (A1), workflows/account_closure: move to its texts with the new system
    "closure_not_allowed": {
        "nn": "Berre eigaren av kontoen, rektor ved skulen som eig han, og kommunikasjonsseksjonen "
        "kan be om å avvikle kontoen (A1).",
        "nb": "Bare eieren av kontoen, rektor ved skolen som eier den, og kommunikasjonsseksjonen "
        "kan be om å avvikle kontoen (A1).",
        "en": "Only the account's owner, the principal of the school that owns it, and the "
        "communications section can ask to close the account (A1).",
    },
    "account_busy": {
        "nn": "Kontoen kan ikkje avviklast før det som er nemnt øvst i skjemaet, er over (A1).",
        "nb": "Kontoen kan ikke avvikles før det som er nevnt øverst i skjemaet, er over (A1).",
        "en": "The account cannot be closed until what is listed at the top of the form has "
        "ended (A1).",
    },
    "account_closure_pending": {
        "nn": "Ei avvikling av kontoen er alt i gang: «{title}».",
        "nb": "En avvikling av kontoen er allerede i gang: «{title}».",
        "en": "A closure of the account is already under way: “{title}”.",
    },
    "closure_handover_to_required": {
        "nn": "Skriv kven som skal ta over kontoen.",
        "nb": "Skriv hvem som skal ta over kontoen.",
        "en": "Say who is to take the account over.",
    },
    "closure_handover_note_required": {
        "nn": "Skriv kven som tok over kontoen.",
        "nb": "Skriv hvem som tok over kontoen.",
        "en": "Say who took the account over.",
    },
    "closure_done_in_future": {
        "nn": "Tidspunktet kan ikkje liggje fram i tid: stadfest det som alt er gjort.",
        "nb": "Tidspunktet kan ikke ligge frem i tid: bekreft det som allerede er gjort.",
        "en": "The moment cannot be in the future: confirm what has already been done.",
    },
    "confirm_closure_done": {
        "nn": "Stadfest at kontoen er lagd ned eller overlaten på plattforma. Er det ikkje gjort "
        "enno, gjer det først.",
        "nb": "Bekreft at kontoen er lagt ned eller overlatt på plattformen. Er det ikke gjort "
        "ennå, gjør det først.",
        "en": "Confirm that the account is closed down or handed over on the platform. If it is "
        "not done yet, do it first.",
    },
    # --- connectors (engine/connectors.py) ---------------------------------------------------
    "token_invalid": {
        "nn": "Koplingsnøkkelen manglar, er ukjend eller er trekt tilbake.",
        "nb": "Koblingsnøkkelen mangler, er ukjent eller er trukket tilbake.",
        "en": "The connector token is missing, unknown or revoked.",
    },
    "token_other_account": {
        "nn": "Koplingsnøkkelen høyrer til ein annan konto.",
        "nb": "Koblingsnøkkelen hører til en annen konto.",
        "en": "The connector token belongs to another account.",
    },
    "account_closed": {
        "nn": "Kontoen er ikkje aktiv i kontoregisteret og tek ikkje imot førespurnader.",
        "nb": "Kontoen er ikke aktiv i kontoregisteret og tar ikke imot henvendelser.",
        "en": "The account is not active in the registry and takes no inquiries.",
    },
    "unknown_token": {
        "nn": "Koplingsnøkkelen finst ikkje.",
        "nb": "Koblingsnøkkelen finnes ikke.",
        "en": "There is no such connector token.",
    },
    "json_object": {
        "nn": "Innhaldet må vere eit JSON-objekt.",
        "nb": "Innholdet må være et JSON-objekt.",
        "en": "The body must be a JSON object.",
    },
    "date_time_zone": {
        "nn": "«{value}» manglar tidssone (t.d. Z eller +01:00).",
        "nb": "«{value}» mangler tidssone (f.eks. Z eller +01:00).",
        "en": "“{value}” has no time zone (e.g. Z or +01:00).",
    },
    "may_not_start": {
        "nn": "Du kan ikkje starte «{process}».",
        "nb": "Du kan ikke starte «{process}».",
        "en": "You cannot start “{process}”.",
    },
    "no_files": {
        "nn": "Vel minst éi BPMN-fil å laste opp.",
        "nb": "Velg minst én BPMN-fil å laste opp.",
        "en": "Choose at least one BPMN file to upload.",
    },
    "account_forum_paused": {
        "nn": "Forumet er pausa til {until} (G2c).",
        "nb": "Forumet er satt på pause til {until} (G2c).",
        "en": "The forum is paused until {until} (G2c).",
    },
    "account_forum_pause_asked": {
        "nn": "Ein pause i forumet er førespurd eller ventar på å byrje (G2c).",
        "nb": "En pause i forumet er forespurt eller venter på å begynne (G2c).",
        "en": "A forum pause has been asked for or is about to begin (G2c).",
    },
    "account_has_open_inquiry": {
        "nn": "Førespurnader under arbeid: {count}.",
        "nb": "Henvendelser under arbeid: {count}.",
        "en": "Inquiries being handled: {count}.",
    },
    "account_held_by_crisis": {
        "nn": "Kontoen står på vent i krisa «{title}» (E6).",
        "nb": "Kontoen står på vent i krisen «{title}» (E6).",
        "en": "The account is on hold in the crisis “{title}” (E6).",
    },
    "crisis_banner_all": {
        "nn": "Leiinga leier kommunikasjonen i denne krisa. Ikkje uttal deg om ho i sosiale medium. Alle dei offisielle kontoane står på vent.",
        "nb": "Ledelsen leder kommunikasjonen i denne krisen. Ikke uttal deg om den i sosiale medier. Alle de offisielle kontoene står på vent.",
        "en": "Management leads the communication in this crisis. Do not speak about it in social media. All official accounts are on hold.",
    },
    "crisis_banner_some": {
        "nn": "Leiinga leier kommunikasjonen i denne krisa. Ikkje uttal deg om ho i sosiale medium. Kontoar som står på vent: {count}.",
        "nb": "Ledelsen leder kommunikasjonen i denne krisen. Ikke uttal deg om den i sosiale medier. Kontoer som står på vent: {count}.",
        "en": "Management leads the communication in this crisis. Do not speak about it in social media. Accounts on hold: {count}.",
    },
}


def render(code: str, params: dict[str, Any] | None = None, lang: str = "nn") -> str:
    texts = CATALOGUE[code]
    return texts.get(lang, texts["nn"]).format(**(params or {}))
