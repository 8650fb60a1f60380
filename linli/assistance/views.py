"""SKELETON — helper H5 writes the pages."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


alert_list = alert_detail = home_check_create = overdue = run_list = run_import = _todo
