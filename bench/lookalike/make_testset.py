#!/usr/bin/env python3
"""Writes crates/skydas-detect/data/lookalike_testset.csv from the lists below.

Clone rows: (domain, impersonates, technique, source) where source is `reported` (named in
public reporting on Doppelganger/RRN: EU DisinfoLab 2022, VIGINUM 2023, US DoJ 2024) or
`constructed` (built here after the same patterns). IDN rows are written in punycode, as
hosts appear in canonical URLs. Benign rows are real domains and hosts.
"""
import csv, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "crates", "skydas-detect", "data", "lookalike_testset.csv")

REPORTED = """
spiegel.ltd spiegel.de tld-swap
spiegel.agency spiegel.de tld-swap
welt.ws welt.de tld-swap
welt.ltd welt.de tld-swap
bild.eu.com bild.de tld-swap
bild.work bild.de tld-swap
faz.ltd faz.net tld-swap
sueddeutsche.ltd sueddeutsche.de tld-swap
sueddeutsche.me sueddeutsche.de tld-swap
tagesspiegel.ltd tagesspiegel.de tld-swap
t-online.ltd t-online.de tld-swap
leparisien.ltd leparisien.fr tld-swap
lemonde.ltd lemonde.fr tld-swap
20minuts.com 20minutes.fr typo
washingtonpost.pm washingtonpost.com tld-swap
fox-news.top foxnews.com combosquat
fox-news.in foxnews.com combosquat
foxnews.cfd foxnews.com tld-swap
theguardian.co.com theguardian.com tld-swap
nato.ws nato.int tld-swap
"""

CONSTRUCTED = """
lrt.ltd lrt.lt tld-swap
lrt.pm lrt.lt tld-swap
delfi.ltd delfi.lt tld-swap
delfi.pm delfi.lt tld-swap
15min.ltd 15min.lt tld-swap
lrytas.ltd lrytas.lt tld-swap
lrytas.info lrytas.lt tld-swap
lsm.ltd lsm.lv tld-swap
tvnet.ltd tvnet.lv tld-swap
err.news err.ee tld-swap
postimees.ltd postimees.ee tld-swap
postimees.co.com postimees.ee tld-swap
yle.ltd yle.fi tld-swap
hs.ltd hs.fi tld-swap
iltalehti.pm iltalehti.fi tld-swap
tvn24.ltd tvn24.pl tld-swap
onet.ltd onet.pl tld-swap
wp.ltd wp.pl tld-swap
interia.cfd interia.pl tld-swap
wyborcza.ltd wyborcza.pl tld-swap
polsatnews.top polsatnews.pl tld-swap
pravda.ltd pravda.com.ua tld-swap
ukrinform.top ukrinform.ua tld-swap
unian.pm unian.ua tld-swap
kyivindependent.ltd kyivindependent.com tld-swap
suspilne.ltd suspilne.media tld-swap
nato.ltd nato.int tld-swap
nato.cfd nato.int tld-swap
europarl.ltd europarl.europa.eu tld-swap
consilium.eu.com consilium.europa.eu tld-swap
euvsdisinfo.ltd euvsdisinfo.eu tld-swap
nytimes.ltd nytimes.com tld-swap
cnn.pm cnn.com tld-swap
reuters.ltd reuters.com tld-swap
bbc.ltd bbc.co.uk tld-swap
dailymail.top dailymail.co.uk tld-swap
lefigaro.me lefigaro.fr tld-swap
liberation.ltd liberation.fr tld-swap
ansa.ltd ansa.it tld-swap
zdf.ltd zdf.de tld-swap
tagesschau.pm tagesschau.de tld-swap
dw.ltd dw.com tld-swap
n-tv.ltd n-tv.de tld-swap
zeit.ltd zeit.de tld-swap
politico.ltd politico.com tld-swap
bloomberg.ltd bloomberg.com tld-swap
apnews.ltd apnews.com tld-swap
kariuomene.info kariuomene.lt tld-swap
policija.top policija.lt tld-swap
vrk.online vrk.lt tld-swap
saeima.info saeima.lv tld-swap
riigikogu.online riigikogu.ee tld-swap
eduskunta.info eduskunta.fi tld-swap
prezydent.online prezydent.pl tld-swap
lrt.us.com lrt.lt tld-swap
spiegel.de.com spiegel.de tld-swap
delfi.lt.ua delfi.lt tld-swap
bild.uk.com bild.de tld-swap
delffi.lt delfi.lt typo
delfl.lt delfi.lt typo
lryts.lt lrytas.lt typo
lrytass.lt lrytas.lt typo
postimes.ee postimees.ee typo
postimees.top postimees.ee tld-swap
iltaehti.fi iltalehti.fi typo
kauppalehtl.fi kauppalehti.fi typo
tvn42.pl tvn24.pl typo
wybocza.pl wyborcza.pl typo
interria.pl interia.pl typo
spigel.de spiegel.de typo
spiegle.de spiegel.de typo
speigel.ltd spiegel.de typo
tagesspigel.de tagesspiegel.de typo
sueddeutche.de sueddeutsche.de typo
washingtonpots.com washingtonpost.com typo
washingtnpost.pm washingtonpost.com typo
nytimse.com nytimes.com typo
theguardain.com theguardian.com typo
thetimse.co.uk thetimes.co.uk typo
reuter.com reuters.com typo
bloombreg.com bloomberg.com typo
ukrinfrom.ua ukrinform.ua typo
kyivindependnet.com kyivindependent.com typo
kariuomenne.lt kariuomene.lt typo
eduskunata.fi eduskunta.fi typo
riigikoqu.ee riigikogu.ee homoglyph
lemondee.fr lemonde.fr typo
lefigarro.fr lefigaro.fr typo
leparisein.fr leparisien.fr typo
20minutes.ltd 20minutes.fr tld-swap
20minute.fr 20minutes.fr typo
euvsdisnfo.eu euvsdisinfo.eu typo
stratcomcoe.info stratcomcoe.org tld-swap
hromadske.info hromadske.ua tld-swap
lernonde.fr lemonde.fr homoglyph
hurnanite.fr humanite.fr homoglyph
rnerkur.de merkur.de homoglyph
rntvuutiset.fi mtvuutiset.fi homoglyph
vvashingtonpost.com washingtonpost.com homoglyph
vvelt.de welt.de homoglyph
vvprost.pl wprost.pl homoglyph
vvyborcza.pl wyborcza.pl homoglyph
clelfi.lt delfi.lt homoglyph
clziennik.pl dziennik.pl homoglyph
qazeta.pl gazeta.pl homoglyph
bloornberg.com bloomberg.com homoglyph
1ltalehti.fi iltalehti.fi homoglyph
po1itico.eu politico.eu homoglyph
spiege1.de spiegel.de homoglyph
0net.pl onet.pl homoglyph
nat0.int nato.int homoglyph
rnilitary.nato.int.example.org nato.int subdomain
lrt-news.online lrt.lt combosquat
delfi-lt.info delfi.lt combosquat
delfi-news.online delfi.lt combosquat
lrt-lt.info lrt.lt combosquat
spiegel-online.info spiegel.de combosquat
bbc-news24.com bbc.co.uk combosquat
nato-news.info nato.int combosquat
err-news.com err.ee combosquat
yle-uutiset.com yle.fi combosquat
tvn24-info.pl tvn24.pl combosquat
onet-news.pl onet.pl combosquat
postimees-news.com postimees.ee combosquat
newsdelfi.com delfi.lt combosquat
spiegelnews.com spiegel.de combosquat
reuters-today.com reuters.com combosquat
kyivindependent-news.com kyivindependent.com combosquat
ukrinform-ua.com ukrinform.ua combosquat
unian-ua.info unian.ua combosquat
lrytas-lt.com lrytas.lt combosquat
15min-lt.com 15min.lt combosquat
tvnet-lv.info tvnet.lv combosquat
lsm-lv.news lsm.lv combosquat
washingtonpost-news.pm washingtonpost.com combosquat
theguardian-uk.com theguardian.com combosquat
europarl-news.eu europarl.europa.eu combosquat
kariuomene-lt.info kariuomene.lt combosquat
policija-lt.online policija.lt combosquat
wyborcza-24.pl wyborcza.pl combosquat
iltalehti-uutiset.fi iltalehti.fi combosquat
sueddeutsche-zeitung.info sueddeutsche.de combosquat
lrt.lt.news-today.net lrt.lt subdomain
bbc.co.uk.example.net bbc.co.uk subdomain
spiegel-de.example.com spiegel.de subdomain
delfi.lt.ru-news.info delfi.lt subdomain
nato.int.secure-login.xyz nato.int subdomain
europa.eu.gov-portal.com europa.eu subdomain
err.ee.uudised24.net err.ee subdomain
yle.fi.breaking.site yle.fi subdomain
washingtonpost.com.news.pm washingtonpost.com subdomain
lsm.lv.zinas.click lsm.lv subdomain
tvn24.pl.wiadomosci.top tvn24.pl subdomain
"""

# One Latin letter swapped for its Cyrillic look-alike; written as punycode.
CYR = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445", "y": "\u0443", "i": "\u0456"}
IDN = """
spiegel.de spiegel.de e
delfi.lt delfi.lt e
lrytas.lt lrytas.lt y
postimees.ee postimees.ee o
onet.pl onet.pl o
tvp.pl tvp.pl p
nato.int nato.int a
nytimes.com nytimes.com e
reuters.com reuters.com e
bbc.com bbc.com c
yle.fi yle.fi e
apnews.com apnews.com a
ukrinform.ua ukrinform.ua o
europa.eu europa.eu o
washingtonpost.com washingtonpost.com a
lemonde.fr lemonde.fr o
faz.net faz.net a
politico.eu politico.eu i
pravda.com.ua pravda.com.ua a
iltalehti.fi iltalehti.fi a
"""

BENIGN_FILE = os.path.join(HERE, "benign.txt")


def idn(domain, letter):
    label, _, rest = domain.partition(".")
    i = label.index(letter)
    lab = label[:i] + CYR[letter] + label[i + 1:]
    return lab.encode("idna").decode("ascii") + "." + rest


def main():
    rows = []
    for src, block in (("reported", REPORTED), ("constructed", CONSTRUCTED)):
        for line in block.split("\n"):
            if line.strip():
                d, imp, tech = line.split()
                rows.append((d, imp, tech, "clone", src))
    for line in IDN.split("\n"):
        if line.strip():
            d, imp, letter = line.split()
            rows.append((idn(d, letter), imp, "homoglyph", "clone", "constructed"))
    seen = {r[0] for r in rows}
    with open(BENIGN_FILE) as f:
        for tok in f.read().split():
            if tok.startswith("#") or tok in seen:
                continue
            seen.add(tok)
            rows.append((tok, "", "", "benign", "real"))
    with open(OUT, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["domain", "impersonates", "technique", "label", "source"])
        w.writerows(rows)
    n_clone = sum(r[3] == "clone" for r in rows)
    print(f"{n_clone} clone, {len(rows) - n_clone} benign -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
