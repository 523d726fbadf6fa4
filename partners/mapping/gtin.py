"""GS1 check digits for GTIN-8, -12 (UPC-A), -13 (EAN) and -14."""

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """The check digit for the digits before it: weights 3, 1, 3, … from the right."""
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(body[::-1]))
    return (10 - total % 10) % 10


def gtin_problem(code: str) -> str | None:
    """What is wrong with `code` as a GTIN, in words, or None when it is valid."""
    if len(code) not in GTIN_LENGTHS or not all("0" <= char <= "9" for char in code):
        return "must be 8, 12, 13 or 14 digits"
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        return f"has a wrong check digit (the last digit should be {expected})"
    return None
