"""Occupational fields for the atlas index: which occupations are listed together.

The knowledge base has no field per occupation; the grouping is only for browsing, so it lives
here. An occupation added to ``knowledge/occupations.yaml`` and not listed below still appears,
under "other fields", until it is given its field.
"""

from __future__ import annotations

from bot.i18n import msg

OTHER = "other"

FIELDS: dict[str, tuple[str, ...]] = {
    "logistics": (
        "fachlagerist", "fachkraft_lagerlogistik", "berufskraftfahrer", "fachkraft_kep",
        "kaufmann_spedition", "fachkraft_fahrbetrieb", "eisenbahner_betriebsdienst",
        "fachkraft_umzugsservice",
    ),
    "retail": (
        "verkaeufer", "kaufmann_einzelhandel", "fachverkaeufer_lebensmittelhandwerk",
        "kaufmann_gross_aussenhandel", "kaufmann_ecommerce", "drogist", "florist",
    ),
    "hospitality": (
        "koch", "fachkraft_gastronomie", "fachmann_restaurants", "hotelfachmann",
        "kaufmann_hotelmanagement", "fachmann_systemgastronomie",
    ),
    "health": (
        "pflegefachmann", "pflegefachassistenz", "medizinischer_fachangestellter",
        "zahnmedizinischer_fachangestellter", "tiermedizinischer_fachangestellter",
        "pharmazeutisch_kaufmaennischer_angestellter", "erzieher", "physiotherapeut",
        "notfallsanitaeter", "ergotherapeut", "logopaede", "operationstechnischer_assistent",
    ),
    "construction": (
        "hochbaufacharbeiter", "ausbaufacharbeiter", "tiefbaufacharbeiter", "maurer",
        "beton_stahlbetonbauer", "zimmerer", "trockenbaumonteur", "stuckateur", "fliesenleger",
        "estrichleger", "strassenbauer", "kanalbauer", "leitungsbauer", "gleisbauer", "dachdecker",
        "maler_lackierer", "bauten_objektbeschichter", "geruestbauer", "baugeraetefuehrer",
        "strassenwaerter",
    ),
    "crafts": (
        "friseur", "kosmetiker", "elektroniker", "anlagenmechaniker_shk", "kfz_mechatroniker",
        "tischler", "baecker", "fleischer", "konditor", "metallbauer",
        "karosserie_fahrzeugbaumechaniker", "aenderungsschneider", "fahrzeuglackierer", "glaser",
        "zweiradmechatroniker", "land_baumaschinenmechatroniker", "mechatroniker_kaeltetechnik",
        "klempner", "raumausstatter", "parkettleger", "bodenleger", "feinwerkmechaniker",
    ),
    "industry": (
        "maschinen_anlagenfuehrer", "industriemechaniker", "fachkraft_metalltechnik",
        "zerspanungsmechaniker", "mechatroniker", "fertigungsmechaniker", "industrieelektriker",
        "elektroniker_betriebstechnik", "produktionsfachkraft_chemie", "chemikant",
        "konstruktionsmechaniker", "anlagenmechaniker", "werkzeugmechaniker",
        "verfahrensmechaniker_kunststoff", "fachkraft_lebensmitteltechnik",
    ),
    "office": (
        "kaufmann_bueromanagement", "industriekaufmann", "fachinformatiker",
        "kaufmann_dialogmarketing", "servicefachkraft_dialogmarketing",
        "verwaltungsfachangestellter", "steuerfachangestellter", "mediengestalter",
    ),
    "services": (
        "gebaeudereiniger", "textilreiniger", "fachkraft_kreislauf_abfallwirtschaft",
        "fachkraft_rohr_kanal_industrieservice", "fachkraft_schutz_sicherheit",
        "servicekraft_schutz_sicherheit", "hauswirtschafter", "fachkraft_veranstaltungstechnik",
        "fachangestellter_baederbetriebe",
    ),
    "green": ("gaertner", "landwirt", "tierwirt", "pferdewirt", "fachkraft_agrarservice"),
}  # fmt: skip

FIELD_NAMES: dict[str, str] = {
    "logistics": msg("atlas.field_logistics"),
    "retail": msg("atlas.field_retail"),
    "hospitality": msg("atlas.field_hospitality"),
    "health": msg("atlas.field_health"),
    "construction": msg("atlas.field_construction"),
    "crafts": msg("atlas.field_crafts"),
    "industry": msg("atlas.field_industry"),
    "office": msg("atlas.field_office"),
    "services": msg("atlas.field_services"),
    "green": msg("atlas.field_green"),
    OTHER: msg("atlas.field_other"),
}

_FIELD_OF = {occupation: field for field, members in FIELDS.items() for occupation in members}


def field_of(occupation_id: str) -> str:
    return _FIELD_OF.get(occupation_id, OTHER)
