"""The one way a text a person reads is shown in both languages: Chinese first, then English."""

SEPARATOR = " / "


def zh_en(zh: str, en: str) -> str:
    return f"{zh}{SEPARATOR}{en}"
