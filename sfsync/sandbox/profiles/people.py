"""
Who the sandbox's leads are: names, titles (with seniority and buying function), industries,
countries and a pool of companies with size and revenue, drawn from precomputed tables so a
100,000-lead org seeds in seconds. Shared by every org profile.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sfsync.sandbox import schema

T = TypeVar("T")


def table(weighted: Sequence[tuple[T, float]], size: int = 1_000) -> list[T]:
    """Expand (value, weight) pairs into a list where ``t[int(random() * len(t))]`` samples."""
    total = sum(w for _, w in weighted)
    out: list[T] = []
    for value, weight in weighted:
        out.extend([value] * max(1, round(weight / total * size)))
    return out


FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony",
    "Sandra", "Mark", "Ashley", "Steven", "Emily", "Andrew", "Michelle", "Joshua", "Amanda",
    "Kevin", "Melissa", "Brian", "Stephanie", "Ryan", "Rebecca", "Jacob", "Laura", "Nicholas",
    "Amy", "Eric", "Anna", "Jonathan", "Rachel", "Samuel", "Hannah", "Benjamin", "Olivia", "Lukas",
    "Sophie", "Maximilian", "Lea", "Thomas", "Camille", "Hugo", "Chloe", "Arjun", "Priya", "Rahul",
    "Ananya", "Wei", "Mei", "Hiroshi", "Yuki", "Lucas", "Isabela", "Mateo", "Valentina", "Liam",
    "Chloe", "Noah", "Grace", "Oliver", "Emma", "Jack", "Charlotte", "Ahmed", "Fatima", "Carlos",
    "Sofia", "Aisha", "Omar", "Elena", "Ivan"
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Roberts", "Mueller", "Schmidt", "Schneider", "Fischer",
    "Weber", "Dubois", "Moreau", "Laurent", "Bernard", "Sharma", "Gupta", "Singh", "Kumar",
    "Patel", "Chen", "Wang", "Li", "Zhang", "Tanaka", "Suzuki", "Sato", "Silva", "Santos",
    "Oliveira", "Costa", "Murphy", "Kelly", "O'Connor", "Walsh", "Jensen", "Larsen", "Novak",
    "Kowalski", "Rossi", "Russo", "Cohen", "Levi", "Ali", "Khan"
)  # fmt: skip

FUNCTIONS = ("Marketing", "Sales", "IT", "Operations", "Finance", "Engineering", "Product",
              "HR", "Customer Success", "Procurement")  # fmt: skip
BUYING_FUNCTIONS = frozenset((
    "Marketing", "Sales", "IT", "Operations", "Finance", "Engineering", "Revenue", "CFO", "CTO",
    "CIO", "COO", "CMO",
))  # fmt: skip

# Seniority codes: 0 blank, 1 student/intern/retired, 2 plain, 3 manager/lead, 4 director,
# 5 VP/head, 6 C-level/owner/founder/president.
TITLES_BY_LEVEL: dict[int, list[str]] = {
    0: [""],
    1: ["Student", "Intern", "Marketing Intern", "Retired", "Graduate Student", "PhD Student"],
    2: ["Analyst", "Engineer", "Software Engineer", "Developer", "Accountant",
        "Marketing Specialist", "Sales Representative", "Account Executive", "Consultant",
        "Coordinator", "Administrator", "Designer", "Data Scientist", "Executive Assistant",
        "Sales Development Representative", "Customer Success Specialist"]
    + [f"{f} Analyst" for f in ("Marketing", "Sales", "Finance", "Operations", "IT")],
    3: ["Team Lead", "Project Manager", "Office Manager", "Product Manager"]
    + [f"{f} Manager" for f in FUNCTIONS]
    + [f"Senior {f} Manager" for f in ("Marketing", "Sales", "IT")]
    + [f"{f} Lead" for f in ("Marketing", "Sales", "Operations", "Engineering")],
    4: [f"Director of {f}" for f in FUNCTIONS]
    + [f"{f} Director" for f in ("Marketing", "Sales", "IT", "Finance")]
    + ["Senior Director, Sales", "Senior Director, Marketing Operations"],
    5: [f"VP of {f}" for f in FUNCTIONS]
    + [f"Head of {f}" for f in FUNCTIONS]
    + ["VP Sales", "SVP Sales", "Vice President, Marketing", "VP Revenue Operations"],
    6: ["CEO", "Chief Executive Officer", "Founder", "Co-Founder", "Founder & CEO", "Owner",
        "President", "CFO", "CTO", "CIO", "COO", "CMO", "Chief Revenue Officer",
        "Managing Director"],
}  # fmt: skip
LEVEL_WEIGHTS = ((6, 10), (5, 12), (4, 15), (3, 24), (2, 29), (1, 3), (0, 7))
LEVEL_FIT = (0.0, 0.0, 0.03, 0.10, 0.20, 0.25, 0.30)


def has_buying_function(title: str) -> bool:
    words = title.replace(",", " ").split()
    return any(w in BUYING_FUNCTIONS for w in words)


def title_table() -> list[tuple[str, int, bool]]:
    weighted: list[tuple[tuple[str, int, bool], float]] = []
    for level, weight in LEVEL_WEIGHTS:
        titles = TITLES_BY_LEVEL[level]
        for title in titles:
            weighted.append(((title, level, has_buying_function(title)), weight / len(titles)))
    return table(weighted, 4_000)


TARGET_INDUSTRIES = (("Software", 14), ("Technology", 12), ("Financial Services", 9),
                      ("Healthcare", 8), ("Manufacturing", 7))  # fmt: skip
TARGET_SET = frozenset(i for i, _ in TARGET_INDUSTRIES)
COMMON_OTHER = {"Retail": 3, "Consulting": 3, "Education": 2.5, "Banking": 2,
                 "Insurance": 2, "Telecommunications": 2, "Media": 1.5, "Other": 2}  # fmt: skip


def industry_table() -> list[str]:
    others = [i for i in schema.INDUSTRIES if i not in TARGET_SET]
    weights = {i: COMMON_OTHER.get(i, 1.0) for i in others}
    scale = 42 / sum(weights.values())  # the non-target share of all leads, in percent
    weighted = [*TARGET_INDUSTRIES, *((i, w * scale) for i, w in weights.items())]
    return table([(i, w / 0.92) for i, w in weighted], 2_000)  # blanks are applied per lead


COUNTRIES = (
    ("United States", 50), ("USA", 4), ("US", 2), ("United Kingdom", 9), ("UK", 1),
    ("Germany", 6), ("France", 4), ("Canada", 6), ("Australia", 4), ("India", 5), ("Brazil", 3),
    ("Netherlands", 2), ("Spain", 1.5), ("Japan", 1), ("Singapore", 1), ("Ireland", 1),
    ("Sweden", 1), ("Mexico", 1), ("", 3),
)  # fmt: skip
TLD = {"United Kingdom": ".co.uk", "UK": ".co.uk", "Germany": ".de", "France": ".fr",
        "Canada": ".ca", "Australia": ".com.au", "India": ".in", "Brazil": ".com.br",
        "Netherlands": ".nl", "Spain": ".es", "Japan": ".co.jp", "Singapore": ".sg",
        "Ireland": ".ie", "Sweden": ".se", "Mexico": ".mx"}  # fmt: skip
LEGAL = {"United States": ("Inc.", "LLC", "Corp.", ""), "USA": ("Inc.", "LLC"), "US": ("Inc.",),
          "United Kingdom": ("Ltd", "plc", ""), "UK": ("Ltd",), "Germany": ("GmbH", "AG"),
          "France": ("SAS", "SA"), "Netherlands": ("B.V.",), "Spain": ("S.L.",),
          "Brazil": ("Ltda.",), "India": ("Pvt Ltd", ""), "Australia": ("Pty Ltd",)}  # fmt: skip
NAME_A = (
    "Blue", "North", "Summit", "Apex", "Silver", "Bright", "Iron", "Green", "Pacific", "Atlas",
    "Nova", "Vertex", "Harbor", "Pioneer", "Cedar", "Granite", "Maple", "Falcon", "Lumen",
    "Quantum", "Crystal", "Horizon", "Eagle", "Oak", "River", "Stellar", "Copper", "Aurora",
    "Polar", "Sterling", "Crest", "Meridian", "Beacon", "Cobalt", "Evergreen"
)  # fmt: skip
NAME_B = (
    "ridge", "stone", "wave", "field", "peak", "bridge", "point", "path", "lake", "forge", "line",
    "gate", "works", "view", "bay", "light", "mark", "core", "dale", "wood", "shore", "spring",
    "hill", "rock"
)  # fmt: skip
DESCRIPTORS = {
    "Software": ("Software", "Labs", "Systems", "Cloud", "AI"),
    "Technology": ("Technologies", "Tech", "Digital", "Networks"),
    "Financial Services": ("Capital", "Financial", "Wealth Partners", "Payments"),
    "Banking": ("Bank", "Bancorp"),
    "Insurance": ("Insurance", "Mutual"),
    "Healthcare": ("Health", "Medical", "Care", "Clinics"),
    "Biotechnology": ("Bio", "Therapeutics", "Genomics"),
    "Manufacturing": ("Manufacturing", "Industries", "Components", "Precision"),
    "Retail": ("Retail", "Stores", "Outfitters", "Market"),
    "Consulting": ("Consulting", "Advisory", "Partners"),
    "Education": ("Academy", "Learning", "Education"),
    "Construction": ("Builders", "Construction"),
    "Energy": ("Energy", "Power", "Solar"),
    "Transportation": ("Logistics", "Freight", "Transport"),
    "Food & Beverage": ("Foods", "Brewing", "Kitchens"),
}
DESCRIPTORS_DEFAULT = ("Group", "Solutions", "Co", "Partners", "Holdings", "Services")
UNIVERSITIES = ("State University", "University of Lakeside", "Northfield College",
                 "Technical University", "City College", "Institute of Technology")  # fmt: skip
FREE_MAIL = ("gmail.com", "gmail.com", "gmail.com", "yahoo.com", "hotmail.com", "outlook.com")


@dataclass(frozen=True)
class Company:
    name: str
    domain: str
    industry: str
    employees: int
    revenue: float
    country: str


def company_pool(rng: random.Random, size: int) -> list[Company]:
    industries = industry_table()
    countries = table(COUNTRIES)
    pool = []
    for i in range(size):
        industry = industries[int(rng.random() * len(industries))]
        country = countries[int(rng.random() * len(countries))]
        a = NAME_A[i % len(NAME_A)]
        b = NAME_B[(i // len(NAME_A) + i) % len(NAME_B)]
        desc = rng.choice(DESCRIPTORS.get(industry, DESCRIPTORS_DEFAULT))
        legal = rng.choice(LEGAL.get(country, ("",)))
        name = " ".join(p for p in (a + b, desc, legal) if p)
        tld = TLD.get(country, ".com") if rng.random() < 0.6 else ".com"
        domain = (a + b + ("" if rng.random() < 0.6 else desc.split()[0])).lower() + tld
        employees = max(1, min(250_000, round(math.exp(rng.gauss(math.log(60), 1.7)))))
        per_head = math.exp(rng.gauss(math.log(180_000), 0.5))
        revenue = float(f"{employees * per_head:.2g}")
        pool.append(Company(name, domain, industry, employees, revenue, country))
    return pool


def size_fit(employees: int) -> float:
    if employees >= 1000:
        return 0.30
    if employees >= 200:
        return 0.22
    if employees >= 50:
        return 0.12
    return 0.0


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def email_address(r: Callable[[], float], first: str, last: str, domain: str) -> str | None:
    """A work address on the company domain, or a free-mail one (~15%), or none (~2%)."""
    user = f"{first}.{last}".lower().replace("'", "")
    u = r()
    if u < 0.02:
        return None
    if u < 0.17:
        return f"{user}{int(r() * 100)}@{FREE_MAIL[int(r() * len(FREE_MAIL))]}"
    if u < 0.40:
        return f"{user[0]}{user.split('.', 1)[1]}@{domain}"
    return f"{user}@{domain}"
