"""Postal addresses kept as free text ("Street 1\\n59065 Hamm", perhaps with the name first or a country last)
split into the parts an e-invoice needs (lines, postcode, city, country), tolerantly."""

import re

# "59065 Hamm", "D-59065 Hamm", "DE-59065 Hamm"; a five-digit German postcode
_POSTCODE_CITY = re.compile(r"^(?:(?:D|DE)\s*-\s*)?(\d{5})\s+(.+)$", re.IGNORECASE)
_COUNTRIES = {"deutschland": "DE", "germany": "DE", "de": "DE", "brd": "DE"}


def parse_address(text: str | None, name: str = "") -> dict:
    """{"lines": [...], "postcode", "city", "country"}: the last line with a postcode gives postcode and city,
    the lines before it the street (a first line that repeats the name is dropped), a trailing country name
    the country (Germany when none is given). Without a postcode line, the last line is taken as the city."""
    lines = [" ".join(part.split()) for part in (text or "").replace("\r", "").split("\n")]
    lines = [line for line in lines if line]
    if len(lines) == 1 and "," in lines[0]:  # "Marktplatz 1, 59065 Hamm" on one line
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    country = "DE"
    if lines and lines[-1].lower() in _COUNTRIES:
        country = _COUNTRIES[lines.pop().lower()]
    postcode, city, street = "", "", lines
    for index in range(len(lines) - 1, -1, -1):
        match = _POSTCODE_CITY.match(lines[index])
        if match:
            postcode, city = match.group(1), match.group(2).strip()
            street = lines[:index] + lines[index + 1:]
            break
    else:
        if lines:
            city, street = lines[-1], lines[:-1]
    if street and name and street[0].casefold() == name.strip().casefold():
        street = street[1:]
    return {"lines": street[:3], "postcode": postcode, "city": city, "country": country}
