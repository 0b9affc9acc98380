"""Benchmark of the training certificate PDF against the same page without its QR code.

    python bench/certificate_pdf_bench.py [--n 1000] [--rounds 3] [--font PATH] [--profile]

Builds N certificates (seeded names, class names, organisers, hours and a
random 64-character verification token each), then times, in one process,
each over the whole list, in alternating rounds (the best round counts):

- render: `app.services.certificate_pdf.render` (the certificate);
- plain:  `render_plain`, the same page, same font and text, no QR code: the
          floor the goal is measured against (same code path minus the QR);
- stock:  for reference, the same text drawn by the same code but with a
          freshly registered stock reportlab TTFont and reportlab's defaults
          (no shared first subset, ASCII85 page stream), also without QR.

Prints ms per document, the average PDF size, and the ratios; the last line
is `ratio=R` (render time / plain time, 2 decimals). `--profile` prints
render's top functions under cProfile instead.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import secrets
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from app.services import certificate_pdf as cp  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
TOPICS = ["信息技术应用能力提升", "课堂教学改革与创新", "安全生产管理", "建筑工程质量标准",
          "会计准则与财务管理实务", "医疗质量与患者安全", "护理技术规范", "农业新技术推广",
          "数字经济与人工智能基础", "法律法规与职业道德", "心理健康教育", "城市规划与设计",
          "海洋生物资源开发", "港口物流管理", "专利申请与知识产权保护"]
ORGANISERS = ["青岛市教育局继续教育基地", "青岛市卫生健康委员会", "青岛市住房和城乡建设局",
              "青岛大学继续教育学院", "青岛科技大学", "黄岛区人力资源和社会保障局",
              "崂山区专业技术人员继续教育基地", "青岛市会计学会", "即墨区农业农村局"]


def make_items(n: int, seed: int) -> list[cp.CertificateData]:
    rnd = random.Random(seed)
    items = []
    for i in range(n):
        start = date(2026, 1, 5) + timedelta(days=rnd.randrange(300))
        end = start + timedelta(days=rnd.choice([0, 1, 2, 4]))
        hours = rnd.choice(["8", "12", "16", "22.5", "24", "40"])
        name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice([1, 2])))
        items.append(cp.CertificateData(
            number=f"QDJX2026-{i + 1:06d}",
            verify_url="http://127.0.0.1:8080/verify/" + secrets.token_urlsafe(48),
            person_name=name,
            id_number_masked=f"3702{rnd.randrange(10, 99)}********{rnd.randrange(10000):04d}",
            class_name=f"2026年{rnd.choice(TOPICS)}专题培训班（第{rnd.randrange(1, 12)}期）",
            organiser=rnd.choice(ORGANISERS),
            start=start, end=end,
            category=rnd.choice(["公需科目", "专业科目"]),
            hours=hours,
            issuer="青岛市继续教育协会",
            issued_on=end + timedelta(days=3),
        ))
    return items


def stock_renderer(font_path: str):
    """The page without QR, drawn by the same code with a stock TTFont and defaults."""
    font = TTFont("XueshiBenchStock", font_path, subfontIndex=0)
    pdfmetrics.registerFont(font)

    def render(data: cp.CertificateData) -> bytes:
        c = Canvas(None, pagesize=(cp.PAGE_W, cp.PAGE_H), pageCompression=1,
                   initialFontName=font.fontName, initialFontSize=12)
        c.setTitle(f"{cp.TITLE} {data.number}")
        c.setAuthor(data.issuer)
        c.setSubject(data.class_name)
        cp._draw(c, font, data, qr=False)
        c.showPage()
        return c.getpdfdata()
    return render


def time_all(fn, items) -> tuple[float, int]:
    size = 0
    t0 = time.perf_counter()
    for data in items:
        size += len(fn(data))
    return time.perf_counter() - t0, size


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--font", default=cp.DEBIAN_FONT)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    items = make_items(args.n, args.seed)

    def render(d):
        return cp.render(d, font_path=args.font)

    def plain(d):
        return cp.render_plain(d, font_path=args.font)

    stock = stock_renderer(args.font)
    for fn in (render, plain, stock):  # font parsing and per-process caches: not timed
        fn(items[0])

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for data in items:
            render(data)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return 0

    best = {"render": None, "plain": None, "stock": None}
    sizes = {}
    for _ in range(args.rounds):
        for name, fn in (("render", render), ("plain", plain), ("stock", stock)):
            t, size = time_all(fn, items)
            sizes[name] = size / len(items)
            if best[name] is None or t < best[name]:
                best[name] = t
    n = len(items)
    for name in ("render", "plain", "stock"):
        print(f"{name:7s} {best[name] / n * 1e3:7.3f} ms/doc   {sizes[name] / 1024:6.1f} KiB/doc")
    print(f"render/stock={best['render'] / best['stock']:.2f}  plain/stock={best['plain'] / best['stock']:.2f}")
    print(f"ratio={best['render'] / best['plain']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
