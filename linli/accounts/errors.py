from enum import StrEnum


class AccountsErrorCode(StrEnum):
    USERNAME_TAKEN = "accounts.username_taken"
    PHONE_TAKEN = "accounts.phone_taken"
    CODE_TOO_SOON = "accounts.code_too_soon"
    CODE_TOO_MANY = "accounts.code_too_many"
    CODE_EXPIRED = "accounts.code_expired"
    CODE_WRONG = "accounts.code_wrong"
    CODE_LOCKED = "accounts.code_locked"
    NOT_REGISTERED = "accounts.not_registered"
