"""GB 11643 resident identity numbers: checksum, birth date and sex."""

import operator
from dataclasses import dataclass
from datetime import date

# The checksum: sum of digit x weight, mod 11, indexes CHECK_CHARS.
CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(map(operator.mul, map(int, first17), CHECK_WEIGHTS)) % 11]


def sex_of(value: str) -> str:
    """The 17th character's parity: odd for men, even for women."""
    return "male" if int(value[16]) % 2 else "female"


@dataclass(frozen=True)
class IdFacts:
    birth_date: date
    sex: str  # "male" / "female", from the parity of the 17th digit


class InvalidIdNumber(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def parse_id_number(value: str) -> IdFacts:
    """Validate format, birth date and checksum; return what the number says about its holder."""
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise InvalidIdNumber(
            "身份证号应为18位（前17位数字，末位数字或X）",
            "ID number must be 18 characters: 17 digits then a digit or X",
        )
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            "身份证号中的出生日期无效", "the birth date inside the ID number is not a real date"
        ) from None
    if check_char(value[:17]) != value[17]:
        raise InvalidIdNumber("身份证号校验位不正确，请核对", "ID number checksum is wrong; please check it")
    return IdFacts(birth_date=birth, sex=sex_of(value))


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def make_id_number(county: str, birth: date, serial: int) -> str:
    """A valid number for demo data and tests (serial's last digit sets the sex)."""
    first17 = f"{county}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_char(first17)
