"""The saved replies every installation starts with (G3, G7, G8, G10, E5).

The inquiry routing table names the first four by key; E5's text is the
one the policy itself gives for declining a pupil's contact request. The comms section edits
them in the UI afterwards; seeding only adds a key that is missing, it never overwrites.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedReply:
    key: str
    purpose: str
    tone: str | None
    title_nn: str
    title_nb: str
    text_nn: str
    text_nb: str


SEEDS: tuple[SeedReply, ...] = (
    SeedReply(
        key="thanks",
        purpose="thanks",
        tone=None,
        title_nn="Takk for tilbakemeldinga (G3)",
        title_nb="Takk for tilbakemeldingen (G3)",
        text_nn="Tusen takk for den fine tilbakemeldinga, {author}! Det set vi stor pris på.",
        text_nb="Tusen takk for den fine tilbakemeldingen, {author}! Det setter vi stor pris på.",
    ),
    SeedReply(
        key="formal_request",
        purpose="formal_request",
        tone="formal",
        title_nn="Send ein formell førespurnad (G7)",
        title_nb="Send en formell henvendelse (G7)",
        text_nn=(
            "Hei, {author}, og takk for at du tok kontakt. Spørsmålet ditt krev sakshandsaming, "
            "og det kan vi ikkje gjere i sosiale medium. Send ein formell førespurnad til Møre og "
            "Romsdal fylkeskommune på e-post til post@mrfylke.no, så blir saka di registrert og "
            "handsama på vanleg måte."
        ),
        text_nb=(
            "Hei, {author}, og takk for at du tok kontakt. Spørsmålet ditt krever "
            "saksbehandling, og det kan vi ikke gjøre i sosiale medier. Send en formell "
            "henvendelse til Møre og Romsdal fylkeskommune på e-post til post@mrfylke.no, så "
            "blir saken din registrert og behandlet på vanlig måte."
        ),
    ),
    SeedReply(
        key="political_referral",
        purpose="political_referral",
        tone="formal",
        title_nn="Tilvising til politisk nivå (G8)",
        title_nb="Henvisning til politisk nivå (G8)",
        text_nn=(
            "Takk for innspelet, {author}. Dette er eit politisk spørsmål, og slike spørsmål er "
            "det dei folkevalde som svarar på. Vi har sendt det vidare til politisk sekretariat "
            "i fylkeskommunen, som viser det til rett politisk nivå. Kontaktinformasjon til "
            "politikarane finn du òg på mrfylke.no."
        ),
        text_nb=(
            "Takk for innspillet, {author}. Dette er et politisk spørsmål, og slike spørsmål er "
            "det de folkevalgte som svarer på. Vi har sendt det videre til politisk sekretariat "
            "i fylkeskommunen, som viser det til rett politisk nivå. Kontaktinformasjon til "
            "politikerne finner du også på mrfylke.no."
        ),
    ),
    SeedReply(
        key="confidential_redirect",
        purpose="confidential_redirect",
        tone="formal",
        title_nn="Bruk ein annan kanal (G10)",
        title_nb="Bruk en annen kanal (G10)",
        text_nn=(
            "Hei, {author}. Takk for at du tok kontakt. Saka di kan gjelde forhold som er "
            "omfatta av teieplikt, og slike saker handsamar vi ikkje i sosiale medium. Ta "
            "kontakt med oss direkte, så finn vi ein trygg måte å følgje opp saka på; "
            "kontaktinformasjon finn du på mrfylke.no. Skriv ikkje personlege opplysningar her."
        ),
        text_nb=(
            "Hei, {author}. Takk for at du tok kontakt. Saken din kan gjelde forhold som er "
            "omfattet av taushetsplikt, og slike saker behandler vi ikke i sosiale medier. Ta "
            "kontakt med oss direkte, så finner vi en trygg måte å følge opp saken på; "
            "kontaktinformasjon finner du på mrfylke.no. Ikke skriv personlige opplysninger her."
        ),
    ),
    SeedReply(
        # E5: the policy's own words, with <sosialt medium> and <sett inn skole> as placeholders.
        key="pupil_contact_refusal",
        purpose="contact_refusal",
        tone=None,
        title_nn="Avslå kontaktførespurnad frå elev (E5)",
        title_nb="Avslå kontaktforespørsel fra elev (E5)",
        text_nn=(
            "Takk for invitasjonen om å bli satt i forbindelse her på {platform}! Dessverre må eg "
            "avstå tilbodet ditt så lenge du er elev ved {unit_name}."
        ),
        text_nb=(
            "Takk for invitasjonen om å bli satt i forbindelse her på {platform}! Dessverre må "
            "jeg avstå fra tilbudet ditt så lenge du er elev ved {unit_name}."
        ),
    ),
)
