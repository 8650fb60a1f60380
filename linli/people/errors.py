from enum import StrEnum


class PeopleErrorCode(StrEnum):
    DUPLICATE_ID_NUMBER = "people.duplicate_id_number"
    WRONG_AREA_LEVEL = "people.wrong_area_level"
    ALREADY_IN_HOUSEHOLD = "people.already_in_household"
    HOUSEHOLD_HEAD = "people.household_head"
    PROXY_SCOPE = "people.proxy_scope"
    ARCHIVED = "people.archived"
