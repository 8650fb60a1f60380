"""Proxy bindings (代办): who may grant them, for what, and what an agent may then do."""

from __future__ import annotations

import pytest

from linli.accounts.models import User
from linli.core import protected
from linli.core.errors import CoreErrorCode, LinliError
from linli.core.models import AuditEntry
from linli.people import services
from linli.people.errors import PeopleErrorCode
from linli.people.models import ProxyBinding, ProxyScope, Resident
from linli.people.permissions import can_act_for
from linli.people.selectors import principals_for, proxies_of

pytestmark = pytest.mark.django_db

DAUGHTER = "13555556666"



def _bind(by, principal, *, scopes=(ProxyScope.ENROLL, ProxyScope.SURVEY), **agent):
    agent = agent or {"agent_phone": DAUGHTER, "agent_name": "王小红"}
    return services.proxy_bind(by=by, principal=principal, relation="family", scopes=scopes, **agent)


def test_worker_binds_a_family_member_by_phone_and_name(personas):
    elder = personas.xjq_residents[1]
    binding = _bind(personas.xjq_worker, elder)
    agent = binding.agent
    assert agent.kind == User.Kind.AGENT and agent.full_name == "王小红"
    assert agent.phone == DAUGHTER and agent.phone_hash == protected.blind_index(DAUGHTER)
    assert not agent.has_usable_password()
    assert binding.scopes == ["enroll", "survey"] and binding.granted_by == personas.xjq_worker
    assert list(proxies_of(elder)) == [binding]
    assert [b.principal for b in principals_for(agent)] == [elder]
    audit = AuditEntry.objects.get(action="proxy.bind")
    assert audit.data == {"agent": agent.pk, "scopes": ["enroll", "survey"]}
    assert DAUGHTER not in str(audit.data)


def test_the_same_agent_phone_is_one_user_for_several_elders(personas):
    first = _bind(personas.xjq_worker, personas.xjq_residents[1])
    second = _bind(personas.xjq_worker, personas.xjq_residents[2], agent_phone="+86 135 5555 6666")
    assert first.agent == second.agent
    assert User.objects.filter(phone_hash=protected.blind_index(DAUGHTER)).count() == 1


def test_binding_again_updates_the_scopes(personas):
    elder = personas.xjq_residents[1]
    first = _bind(personas.xjq_worker, elder)
    second = _bind(personas.xjq_worker, elder, scopes=[ProxyScope.POINTS])
    assert first.pk == second.pk
    assert ProxyBinding.objects.get(pk=first.pk).scopes == ["points"]


def test_an_agent_phone_of_a_registered_resident_uses_their_login(personas):
    neighbour = personas.jzy_residents[1]
    binding = _bind(personas.district_admin, personas.xjq_residents[1], agent_phone=neighbour.phone, agent_name="")
    assert binding.agent == Resident.objects.get(pk=neighbour.pk).user
    assert binding.agent.kind == User.Kind.RESIDENT


def test_an_unknown_phone_needs_a_name(personas):
    with pytest.raises(LinliError) as caught:
        _bind(personas.xjq_worker, personas.xjq_residents[1], agent_phone=DAUGHTER, agent_name=" ")
    assert caught.value.field == "agent_name"
    assert not User.objects.filter(phone_hash=protected.blind_index(DAUGHTER)).exists()


@pytest.mark.parametrize(
    ("agent", "field"),
    [({"agent_phone": ""}, "agent_phone"), ({"agent_phone": "12345"}, "phone")],
)
def test_the_agent_phone_is_checked(personas, agent, field):
    with pytest.raises(LinliError) as caught:
        _bind(personas.xjq_worker, personas.xjq_residents[1], **agent)
    assert caught.value.field == field
    assert not ProxyBinding.objects.exists()


@pytest.mark.parametrize(
    ("scopes", "message"),
    [([], "至少选择一项"), (["enroll", "vote"], "没有“vote”这一项")],
)
def test_scopes_are_validated(personas, scopes, message):
    with pytest.raises(LinliError) as caught:
        _bind(personas.xjq_worker, personas.xjq_residents[1], scopes=scopes)
    assert caught.value.code == PeopleErrorCode.PROXY_SCOPE and caught.value.field == "scopes"
    assert message in caught.value.message
    assert not ProxyBinding.objects.exists()


def test_relation_is_validated(personas):
    with pytest.raises(LinliError) as caught:
        services.proxy_bind(by=personas.xjq_worker, principal=personas.xjq_residents[1], relation="boss",
                            scopes=["enroll"], agent_phone=DAUGHTER, agent_name="王小红")
    assert caught.value.field == "relation"


def test_can_act_for_follows_scopes_and_revocation(personas):
    elder, other = personas.xjq_residents[1], personas.xjq_residents[2]
    binding = _bind(personas.xjq_worker, elder)
    agent = binding.agent
    assert can_act_for(agent, elder, ProxyScope.ENROLL)
    assert can_act_for(agent, elder, ProxyScope.SURVEY)
    assert not can_act_for(agent, elder, ProxyScope.POINTS)
    assert not can_act_for(agent, other, ProxyScope.ENROLL)  # bound to one elder, not to all
    assert not can_act_for(personas.xjq_worker, elder, ProxyScope.ENROLL)  # the worker is not the agent
    services.proxy_revoke(by=personas.xjq_worker, binding=binding)
    assert not can_act_for(agent, elder, ProxyScope.ENROLL)
    binding.refresh_from_db()
    assert binding.revoked_at is not None and binding.revoked_by == personas.xjq_worker
    assert list(proxies_of(elder)) == []
    assert list(principals_for(agent)) == []
    assert AuditEntry.objects.filter(action="proxy.revoke").count() == 1


def test_can_act_for_an_anonymous_user_is_false(personas):
    from django.contrib.auth.models import AnonymousUser

    elder = personas.xjq_residents[1]
    _bind(personas.xjq_worker, elder)
    assert not can_act_for(AnonymousUser(), elder, ProxyScope.ENROLL)


def test_a_new_binding_after_revocation(personas):
    elder = personas.xjq_residents[1]
    old = _bind(personas.xjq_worker, elder)
    services.proxy_revoke(by=personas.xjq_worker, binding=old)
    new = _bind(personas.xjq_worker, elder, scopes=[ProxyScope.REQUEST])
    assert new.pk != old.pk
    assert can_act_for(new.agent, elder, ProxyScope.REQUEST)
    assert not can_act_for(new.agent, elder, ProxyScope.ENROLL)


def test_a_resident_binds_for_themselves(personas):
    me = Resident.objects.get(user=personas.resident_user)
    binding = _bind(personas.resident_user, me, scopes=[ProxyScope.PROFILE])
    assert binding.granted_by == personas.resident_user
    assert can_act_for(binding.agent, me, ProxyScope.PROFILE)


def test_a_resident_cannot_bind_for_someone_else(personas):
    with pytest.raises(LinliError) as caught:
        _bind(personas.resident_user, personas.xjq_residents[1])
    assert caught.value.code == CoreErrorCode.FORBIDDEN


@pytest.mark.parametrize("who", ["outsider", "jzy_worker", "assistance_officer"])
def test_others_are_refused(personas, who):
    with pytest.raises(LinliError) as caught:
        _bind(getattr(personas, who), personas.xjq_residents[1])
    assert caught.value.code == CoreErrorCode.FORBIDDEN
    assert not ProxyBinding.objects.exists()
    assert not User.objects.filter(phone_hash=protected.blind_index(DAUGHTER)).exists()


def test_revoke_by_another_community_is_refused(personas):
    binding = _bind(personas.xjq_worker, personas.xjq_residents[1])
    with pytest.raises(LinliError) as caught:
        services.proxy_revoke(by=personas.jzy_worker, binding=binding)
    assert caught.value.code == CoreErrorCode.FORBIDDEN
    assert ProxyBinding.objects.get(pk=binding.pk).revoked_at is None


def test_nobody_is_their_own_proxy(personas):
    me = Resident.objects.get(user=personas.resident_user)
    with pytest.raises(LinliError) as by_user:
        services.proxy_bind(by=personas.xjq_worker, principal=me, relation="family", scopes=["enroll"],
                            agent=personas.resident_user)
    assert by_user.value.field == "agent_phone"


def test_nobody_is_their_own_proxy_even_before_their_first_login(personas):
    """The worker types the elder's own phone as the agent's: the elder has no login account yet."""
    elder = personas.xjq_residents[1]
    assert elder.user_id is None
    with pytest.raises(LinliError) as caught:
        _bind(personas.xjq_worker, elder, agent_phone=elder.phone, agent_name="")
    assert caught.value.field == "agent_phone"
    assert not ProxyBinding.objects.exists()


def test_resident_revokes_own_binding_and_revoking_twice_keeps_the_date(personas):
    from linli.people.services import proxy_bind, proxy_revoke

    elder = personas.xjq_residents[0]  # has a login: personas.resident_user
    binding = proxy_bind(by=personas.resident_user, principal=elder, relation="family", scopes=["enroll"],
                         agent_phone="13512340000", agent_name="儿子")
    proxy_revoke(by=personas.resident_user, binding=binding)
    first = binding.revoked_at
    assert first is not None
    proxy_revoke(by=personas.resident_user, binding=binding)
    assert binding.revoked_at == first


def test_archiving_ends_the_residents_phone_login(personas):
    from linli.people.services import resident_archive

    resident_archive(by=personas.xjq_worker, resident=personas.xjq_residents[0], reason="迁往外地")
    personas.resident_user.refresh_from_db()
    assert personas.resident_user.is_active is False
