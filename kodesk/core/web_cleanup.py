"""Removing web-page clutter from text copied with select-all on Korean news sites.

A page copied with Ctrl+A carries menus, login links, bylines and e-mail addresses,
photo captions, "무단 전재 및 재배포 금지", related-article and 많이 본 뉴스 lists,
comments, share/구독/좋아요 buttons, font-size controls and ads around the article.
`clean_web_text` keeps the title (and subtitles) and the body:

1. every line is classified: *junk* (a UI word, a date, a byline, a caption, an ad,
   a link), an *end marker* (copyright line, 많이 본 뉴스, 댓글 section), *body* (a
   sentence-like line) or plain *text* (titles, subtitles, subheadings);
2. the body starts at the first cluster of body lines and ends at the first end
   marker after it (or the last body line); a related-articles heading inside it
   drops the headline list that follows;
3. the title block is the text just above the body, skipping dates and bylines.

The result has one paragraph per line. Text that does not look like a web page is
returned unchanged, and so is the original whenever cleanup would leave almost nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

#: Cleanup keeping less than this share of the text (or fewer characters) gives up.
MIN_KEEP_SHARE = 0.03
MIN_KEEP_CHARS = 40
#: The title block holds at most this many lines (title plus subtitles).
MAX_TITLE_LINES = 4


class Kind(Enum):
    BLANK = "blank"
    JUNK = "junk"
    END = "end"
    RELATED = "related"
    BODY = "body"
    TEXT = "text"


@dataclass(frozen=True)
class CleanupResult:
    text: str
    #: Characters before and after (equal when nothing was removed).
    before: int
    after: int
    changed: bool
    #: Cleanup would have left almost nothing, so the original was kept.
    fell_back: bool = False


_UI_WORDS_TEXT = """
로그인 로그아웃 회원가입 마이페이지 내정보 구독 구독하기 구독중 구독취소 좋아요 싫어요
공유 공유하기 스크랩 기사스크랩 인쇄 인쇄하기 프린트 프린트하기 글자크기 글씨크기
글자크기설정 글자크기변경 글자크기조절 글자크기조정 텍스트크기조정 본문듣기 음성듣기
기사듣기 뉴스듣기 듣기 댓글 댓글쓰기 댓글보기 내댓글 전체메뉴 메뉴 검색 검색하기 닫기
홈 이전 다음 이전기사 다음기사 더보기 맨위로 top 목록 기사목록 전체보기 펼치기 접기
페이스북 facebook 트위터 twitter x 카카오톡 카카오스토리 네이버블로그 블로그 밴드 라인
url복사 링크복사 주소복사 복사 이메일 메일 번역 번역설정 sns보내기 기사공유하기
기사본문인쇄하기 본문요약봇 요약봇 요약 추천 추천하기 추천해요 비추천 신고 신고하기
답글 답글쓰기 최신순 순공감순 공감순 공감비율순 과거순 찬성순 반대순 추천순 답글순
공감/비공감 새로고침 가 가가 가가가 가가가가 가가가가가 작게 크게 보통 기본 크게보기
훈훈해요 슬퍼요 화나요 후속기사원해요 후속원해요 후속강추 응원해요 쏠쏠정보 흥미진진
공감백배 분석탁월 기사원문 언론사홈 언론사구독 구독자 뉴스홈 뉴스 속보 정치 경제 사회
국제 세계 문화 생활 생활/문화 it/과학 it 과학 오피니언 사설 칼럼 사설·칼럼 스포츠
연예 랭킹 포토 영상 전국 지역 기획 연재 인물 부고 날씨 증권 부동산 산업 금융 북한
국방 외교 교육 건강 여행 라이프 엔터 노동 일반 재난 기사 스토리 구독신청 지면보기
신문구독 디지털구독 후원하기 회원 설정 알림 앱 앱설치 앱다운로드 로그인하기 네이버
다음 카카오 mbc kbs sbs jtbc ytn 연합뉴스 연합뉴스tv 조선일보 중앙일보 동아일보 한겨레
경향신문 한국일보 국민일보 서울신문 세계일보 문화일보 매일경제 한국경제 뉴스1 뉴시스
조선비즈 이데일리 머니투데이 헤럴드경제 아시아경제 파이낸셜뉴스 조선닷컴 joongang
한겨레21 ad 광고 advertisement sponsored 스폰서 이미지확대 이미지크게보기 사진확대
확대보기 확대 원본보기 끝 (끝) <끝> 키보드 다크모드 전체 전체기사 주요뉴스 최신뉴스
최신기사 많이본뉴스 기자구독 기자프로필 기자페이지 제보 제보하기 기사제보 보도자료 pdf
이벤트 고객센터 회사소개 이용약관 개인정보처리방침 청소년보호정책 저작권정책
동영상영역시작 동영상영역끝 뉴스데스크 팩트체크 신문보기 본문바로가기 메뉴바로가기
"""
_UI_WORDS = frozenset(_UI_WORDS_TEXT.split())

#: Substrings of boilerplate sentences (they look like body text but are page furniture).
_BOILERPLATE_WORDS = (
    "데이터 요금이 발생",
    "자동 추출 기술로 요약",
    "요약 기술의 특성상",
    "기사 본문 전체보기를 권장",
    "카카오톡 okjebo",
    "제보는 카카오톡",
    "이메일 jebo",
    "기사 추천은 24시간",
    "메인에서 바로 보는",
    "언론사 편집 뉴스",
    "구독하시면",
    "구독하고 ",
    "채널 추가",
    "로그인하고 댓글",
    "로그인 후 댓글",
    "댓글을 입력",
    "댓글을 남겨",
    "댓글 정렬",
    "클린봇",
    "작성자를 차단",
    "악성 댓글",
    "댓글 운영 정책",
    "ai 학습 및 활용 금지",
    "ai 학습 이용 금지",
    "이 기사를 추천합니다",
    "기사 제보 및 보도자료",
    "앱을 설치",
    "앱에서 보기",
    "텍스트 음성 변환",
    "음성으로 듣기",
    "글자 크기",
    "본문 글씨",
    "쿠키를 사용",
    "로그인이 필요",
    "님 반갑습니다",
    "제보를 기다립니다",
    "글씨크기",
    "글씨 크기",
)
_BOILERPLATE = re.compile("|".join(re.escape(b) for b in _BOILERPLATE_WORDS), re.IGNORECASE)
_COPYRIGHT = re.compile(
    r"무단\s*전재|재배포\s*금지|재배포금지|copyright|all rights reserved|저작권자|저작권\s*[ⓒ©]",
    re.IGNORECASE,
)
_END_HEADINGS = re.compile(
    r"^(?:[#\[【<■▶]\s*)?(?:많이\s*본|가장\s*많이\s*본|많이\s*읽은|인기\s*기사|인기\s*뉴스|랭킹\s*뉴스|"
    r"주요\s*뉴스|이\s*시각|실시간\s*인기|오늘의\s*핫|핫\s*이슈|추천\s*기사|추천\s*뉴스|"
    r"포토\s*뉴스|댓글(?:\s*[\d,]+개?|\s*\([\d,]+\))?$|전체\s*댓글|"
    r"이\s*기사에\s*대한|독자\s*의견|이\s*시각\s*헤드라인|최신\s*뉴스|오피니언\s*주요)"
)
_RELATED = re.compile(
    r"^(?:[#\[【<■]\s*)?(?:관련\s*기사|관련\s*뉴스|관련기사\s*더보기|함께\s*읽을|함께\s*보면)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_REPORTER = re.compile(
    r"^[(\[/]?[가-힣][가-힣·,\s]{1,30}\s?(?:기자|특파원|선임기자|논설위원|객원기자|통신원|"
    r"인턴기자|전문기자|기상캐스터|앵커|리포터|에디터|객원논설위원|편집위원)(?:\s|$|[·,=(/)\]])"
)
_CREDITS = re.compile(
    r"^(?:촬영기자|영상편집|영상취재|그래픽|자료조사|편집|취재|영상|촬영|글·사진|사진)\s*[:：=]"
)
_DATE = re.compile(
    r"^(?:입력|수정|업데이트|기사입력|최종수정|등록|승인|발행|게재|송고|기사전송|발행일|등록일)"
    r"\s*[:：]?\s*\d{4}|^\d{4}\s*[.\-/년]\s*\d{1,2}\s*[.\-/월]\s*\d{1,2}\s*[.일]?\s*(?:\([월화수목금토일]\))?"
    r"\s*(?:(?:오전|오후)\s*)?(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*(?:입력|수정|송고)?$"
)
_CAPTION_HEAD = re.compile(
    r"^(?:사진\s*[=:]|\[?이미지\s*출처|\(?자료사진\)?|ⓒ|[\[(]\s*사진\s*[=:])"
)
#: Photo captions and bylines at the end of a line: "… /뉴스1", "… 홍길동 기자",
#: "… [대통령실 제공]", "… [사진=연합뉴스]", "… 연합뉴스", "… 동아일보DB".
_CAPTION_TAIL = re.compile(
    r"(?:[/ⓒ©]\s?(?:연합뉴스|뉴스1|뉴시스|news1|AP|AFP|로이터|EPA|신화|게티이미지(?:뱅크)?|"
    r"[가-힣]{2,8}(?:일보|신문|뉴스|방송|경제|DB)|[가-힣]{2,4}\s?기자)(?:\s?(?:DB|제공|자료사진))?"
    r"\s*[)\]]?|[\s=/][가-힣]{2,4}\s?(?:기자|특파원)|\s(?:연합뉴스|뉴시스|뉴스1|AFP|AP|로이터|EPA|"
    r"[가-힣]{2,6}(?:일보|신문))\s?(?:DB|자료사진)?|DB|자료사진|"
    r"\[[^\]]{0,20}(?:제공|취재단|자료사진|사진|DB)\]|[\[(]\s*사진\s*[=:][^)\]]*[)\]]|"
    r"사진\s*제공\s*[=:]\s*\S+|ⓒ\s*\S+)\s*$",
    re.IGNORECASE,
)
#: Caption tails are looked for in this many last characters of a line.
_TAIL_WINDOW = 64
#: Every `_CAPTION_TAIL` match holds one of these (in a lower-cased line): a quick
#: test that skips the slow expression on most body lines.
_CAPTION_TAIL_HINT = re.compile(
    "/|ⓒ|©|기자|특파원|연합뉴스|뉴시스|뉴스1|로이터|일보|신문|ap|afp|epa|db|자료사진|\\[|사진"
)
_LINK = re.compile(r"^(?:▶|▷|☞|→|>>|\[관련\s*기사\]|\[관련기사\]|관련기사\s*[:：]|\[단독\]\s*$)")
_COUNT_BUTTON = re.compile(
    r"^(?:좋아요|싫어요|공감|추천|비추천|댓글|답글|공유|조회|조회수|공감수|구독자|훈훈해요|슬퍼요|화나요|"
    r"후속기사\s*원해요|쏠쏠정보|흥미진진|공감백배|분석탁월)\s*[:：]?\s*[\d,]+\s*(?:개|명|회|건)?$"
)
#: Broadcast script markers: [앵커], ◀ 리포트 ▶, and sign-offs "KBS 뉴스 홍길동입니다."
_SCRIPT_MARK = re.compile(
    r"^[\[◀<【(]\s*(?:앵커|리포트|기자|인터뷰|녹취|앵커\s*멘트|리포트\s*멘트|현장음|자막)\s*[\]▶>】)]$|"
    r"^(?:KBS|MBC|SBS|JTBC|YTN|MBN|연합뉴스TV|채널A|TV조선)\s?뉴스\s?[가-힣]{2,4}입니다\.?$"
)
_NUMBERS = re.compile(r"[\d,.:\s/|·-]+")
_SUBSCRIBE = re.compile(r"^.{0,12}\s?(?:구독|구독하기|구독중)$")
_BREADCRUMB = re.compile(r"^\S{1,10}(?:\s*[>›»]\s*\S{1,10}){1,4}$")
_DATELINE = re.compile(
    r"^(?:[(\[【]\s*[가-힣A-Za-z]{1,10}\s*=\s*[^)\]】]{1,12}[)\]】]\s*"
    r"(?:[가-힣]{2,4}(?:·[가-힣]{2,4})*\s*(?:기자|특파원)\s*(?:=|ㅣ|\|)\s*)?"
    r"|\[[^\]]{2,20}\s[가-힣]{2,4}\s?기자\]\s*)"
)
#: Credits, dates, script marks, subscribe buttons and counters in one expression.
_SHORT_JUNK = re.compile(
    "|".join(f"(?:{p.pattern})" for p in (_CREDITS, _DATE, _SCRIPT_MARK, _SUBSCRIBE, _COUNT_BUTTON))
)
_SENTENCE_END = re.compile(r"(?:[가-힣][.?!…]|[.?!][\"'”’)\]]|[다요죠까][.?!]?[\"'”’)]?)\s*$")


_MENU_SEPARATORS = re.compile(r"[\s|·/>]+")


def _squash(line: str) -> str:
    return "".join(line.split()).lower()


def _is_menu(line: str) -> bool:
    """A navigation row or section label: (most of) its words are UI or section words."""
    words = [w for w in _MENU_SEPARATORS.split(line) if w]
    if not words:
        return False
    known = unknown = 0
    for word in words:
        if word.lower() in _UI_WORDS:
            known += 1
        else:
            unknown += 1
            if 2 * unknown > len(words):
                return False  # under half known: neither test below can pass
    return known == len(words) or (len(words) >= 3 and known / len(words) >= 0.6)


def _is_short_junk(line: str, squashed: str) -> bool:
    """Rules for short lines: UI words, bylines, dates, counters, menus, script marks."""
    return (
        squashed in _UI_WORDS
        or len(squashed) <= 2
        or ("@" in line and _EMAIL.search(line) is not None)
        or (len(line) < 50 and _REPORTER.match(line) is not None)
        or _SHORT_JUNK.match(line) is not None
        or (len(line) < 40 and _BREADCRUMB.match(line) is not None)
        or _is_menu(line)
        or _NUMBERS.fullmatch(line) is not None
    )


def _caption_tail(window: str) -> bool:
    return (
        _CAPTION_TAIL_HINT.search(window.lower()) is not None
        and _CAPTION_TAIL.search(window) is not None
    )


def classify(line: str) -> Kind:
    """The kind of one stripped line (see the module docstring)."""
    if not line:
        return Kind.BLANK
    if len(line) < 200 and _COPYRIGHT.search(line):
        return Kind.END
    if len(line) < 40 and _END_HEADINGS.match(line):
        return Kind.END
    if len(line) < 40 and _RELATED.match(line):
        return Kind.RELATED
    junk = (
        (len(line) < 80 and _is_short_junk(line, _squash(line)))
        or (len(line) < 160 and _BOILERPLATE.search(line) is not None)
        or _CAPTION_HEAD.match(line) is not None
        or (len(line) >= 12 and _caption_tail(line[-_TAIL_WINDOW:]))
        or _LINK.match(line) is not None
    )
    if junk:
        return Kind.JUNK
    if (len(line) >= 25 and _SENTENCE_END.search(line[-8:])) or len(line) >= 100:
        return Kind.BODY
    return Kind.TEXT


def _body_start(kinds: list[Kind]) -> int | None:
    """The first body line followed closely by another (a paragraph cluster)."""
    first: int | None = None
    for i, kind in enumerate(kinds):
        if kind is not Kind.BODY:
            continue
        if first is None:
            first = i
        nearby = [k for k in kinds[i + 1 : i + 8] if k is not Kind.BLANK][:4]
        if Kind.BODY in nearby:
            return i
    return first


def _meta_date(lines: list[str], kinds: list[Kind], start: int) -> int | None:
    """The topmost date line of the metadata block just above the body, if any."""
    found: int | None = None
    for i in range(start - 1, max(-1, start - 60), -1):
        if _DATE.match(lines[i]):
            found = i
        elif kinds[i] in (Kind.TEXT, Kind.BODY) and found is not None:
            break
    return found


def _title_block(lines: list[str], kinds: list[Kind], start: int) -> list[int]:
    """Indexes of the title, subtitles and any lead lines between metadata and body.

    The title sits just above the date line of the article's metadata (입력/수정/등록);
    without one, it is the text just above the body.
    """
    date = _meta_date(lines, kinds, start)
    anchor = start if date is None else date
    block: list[int] = []
    i = anchor - 1
    skippable = (Kind.BLANK, Kind.JUNK, Kind.END, Kind.RELATED)
    while i >= 0 and kinds[i] in skippable:
        i -= 1
    while i >= 0 and len(block) < MAX_TITLE_LINES:
        if kinds[i] is Kind.BLANK:
            i -= 1
            continue
        if kinds[i] not in (Kind.TEXT, Kind.BODY) or len(lines[i]) < 6:
            break
        block.append(i)
        i -= 1
    if date is not None:
        block += [
            j
            for j in range(date + 1, start)
            if kinds[j] in (Kind.TEXT, Kind.BODY) and len(lines[j]) >= 6
        ]
    return sorted(block)


def clean_web_text(text: str) -> CleanupResult:
    """The title and body of a copied web page (or `text` itself when it is not one)."""
    before = len(text)
    unchanged = CleanupResult(text, before, before, changed=False)
    normalized = (
        text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u200b", "")
    )
    lines = [line.strip() for line in normalized.split("\n")]
    known: dict[str, Kind] = {}  # pages repeat many lines (buttons, counters)
    kinds = [known.get(line) or known.setdefault(line, classify(line)) for line in lines]
    start = _body_start(kinds)
    if start is None:
        return unchanged
    kept = _title_block(lines, kinds, start)
    skipping_links = False
    for i in range(start, len(lines)):
        kind = kinds[i]
        if kind is Kind.END:
            break
        if kind is Kind.RELATED:
            skipping_links = True
        elif kind is Kind.BODY:
            skipping_links = False
            kept.append(i)
        elif kind is Kind.TEXT and not skipping_links and len(lines[i]) >= 4:
            kept.append(i)
    while kept and kinds[kept[-1]] is Kind.TEXT and kept[-1] > start:
        kept.pop()  # trailing headlines or buttons after the last paragraph
    paragraphs = [lines[i] for i in kept]
    if paragraphs and kept[-1] >= start:
        first_body = next(n for n, i in enumerate(kept) if i >= start)
        paragraphs[first_body] = _DATELINE.sub("", paragraphs[first_body], count=1)
    cleaned = "\n".join(p for p in paragraphs if p)
    kept_set = set(kept)
    dropped = [i for i in range(len(lines)) if kinds[i] is not Kind.BLANK and i not in kept_set]
    if not dropped and cleaned == "\n".join(p for p in lines if p):
        return unchanged
    if len(cleaned) < max(MIN_KEEP_CHARS, before * MIN_KEEP_SHARE):
        return CleanupResult(text, before, before, changed=False, fell_back=True)
    return CleanupResult(cleaned, before, len(cleaned), changed=True)
