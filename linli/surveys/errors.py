from enum import StrEnum


class SurveyErrorCode(StrEnum):
    ALREADY_ANSWERED = "surveys.already_answered"
    NOT_OPEN = "surveys.not_open"  # a draft: not published yet
    NOT_YET_OPEN = "surveys.not_yet_open"
    CLOSED = "surveys.closed"
    LOCKED = "surveys.locked"  # published: its questions are fixed
    STATE = "surveys.state"  # e.g. publishing an empty survey, closing a draft
    OUTSIDE_AREA = "surveys.outside_area"
    ANSWER = "surveys.answer"  # an answer that does not fit its question
    UNKNOWN_TEMPLATE = "surveys.unknown_template"
