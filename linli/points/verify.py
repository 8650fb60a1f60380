"""Recompute the ledger from its entries: every balance, every transfer's zero sum, the total."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Sum

from linli.points.models import Account, Entry, Reward, Transfer


@dataclass
class Report:
    accounts: int = 0
    transfers: int = 0
    entries: int = 0
    total: int = 0
    balance_mismatches: list[tuple[int, str, int, int]] = field(default_factory=list)  # id, name, stored, summed
    unbalanced_transfers: list[tuple[int, int]] = field(default_factory=list)  # id, sum
    empty_transfers: list[int] = field(default_factory=list)
    negative: list[tuple[int, str, int]] = field(default_factory=list)
    negative_stock: list[tuple[int, str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.balance_mismatches or self.unbalanced_transfers or self.empty_transfers or self.negative
                    or self.negative_stock or self.total)


def verify() -> Report:
    report = Report()
    sums = dict(Entry.objects.values("account_id").annotate(n=Sum("amount")).values_list("account_id", "n"))
    for account in Account.objects.select_related("resident").order_by("pk").iterator(chunk_size=2000):
        report.accounts += 1
        summed = int(sums.get(account.pk) or 0)
        if summed != account.balance:
            report.balance_mismatches.append((account.pk, str(account), account.balance, summed))
        if account.kind != "pool" and account.balance < 0:
            report.negative.append((account.pk, str(account), account.balance))
    rows = Entry.objects.values("transfer_id").annotate(n=Sum("amount"), c=Count("id")).order_by()
    seen = 0
    for row in rows.iterator(chunk_size=5000):
        seen += 1
        if row["n"]:
            report.unbalanced_transfers.append((row["transfer_id"], int(row["n"])))
    report.transfers = Transfer.objects.count()
    if seen != report.transfers:
        report.empty_transfers = list(Transfer.objects.filter(entries__isnull=True).values_list("pk", flat=True)[:100])
    report.entries = Entry.objects.count()
    report.total = int(Entry.objects.aggregate(n=Sum("amount"))["n"] or 0)
    report.negative_stock = [(r.pk, r.name, r.stock) for r in Reward.objects.filter(stock__lt=0)]
    return report


def render(report: Report) -> list[str]:
    lines = [f"核对积分账：{report.accounts} 个账户，{report.transfers} 笔流水，{report.entries} 条分录"]
    for pk, name, stored, summed in report.balance_mismatches:
        lines.append(f"✗ 账户 {pk}（{name}）：记录余额 {stored} 分，按明细合计 {summed} 分，不一致")
    for pk, total in report.unbalanced_transfers:
        lines.append(f"✗ 流水 {pk}：各分录合计 {total} 分，应为 0")
    for pk in report.empty_transfers:
        lines.append(f"✗ 流水 {pk}：没有分录")
    for pk, name, balance in report.negative:
        lines.append(f"✗ 账户 {pk}（{name}）：余额为负数 {balance} 分")
    for pk, name, stock in report.negative_stock:
        lines.append(f"✗ 礼品 {pk}（{name}）：库存为负数 {stock}")
    if report.total:
        lines.append(f"✗ 全部分录合计 {report.total} 分，应为 0")
    lines.append("结论：账目一致，所有余额与明细相符，全部分录合计为 0。" if report.ok else "结论：发现不一致，请立即核查。")
    return lines
