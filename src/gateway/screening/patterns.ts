import type { InjectionFamily } from './index.js';

/**
 * The pattern families as DATA. Every regex runs on normalised text: case-folded, invisible characters
 * removed, confusables mapped, horizontal whitespace collapsed to one space and line breaks to "\n"
 * (so `\s` stands for exactly one separator and `\S+` for one word).
 *
 * Linear-time rule (checked by property tests): no nested unbounded quantifiers over overlapping
 * classes. Gaps between words are written `(?:\s\S+){0,N}` — word and separator classes are disjoint
 * and the count is bounded, so every position is tried a bounded number of times.
 *
 * Weights are a pattern's contribution when it matches alone; the score combines them as
 * 1 - Π(1 - w). A weight below the default flag threshold (0.5) means "suspicious only together with
 * something else".
 */
export interface PatternSpec {
  readonly id: string;
  readonly family: InjectionFamily;
  readonly weight: number;
  readonly regex: RegExp;
  /** One line: what the pattern is for (docs). */
  readonly note: string;
}

export const PATTERNS_VERSION = 2;

const GAP = (n: number): string => `(?:\\s\\S+){0,${n}}`;
const OVERRIDE_VERB = '(?:ignore|ignoring|disregard|disregarding|forget|skip|override|bypass|drop|abandon|discard|neglect|leave|set\\saside|throw\\saway|remove|erase|delete|clear)';
const PRIOR = '(?:previous|prior|preceding|above|earlier|original|initial|foregoing|former|old|existing|system|developer|your|all|any|every)';
const INSTRUCTION_NOUN = '(?:instructions?|prompts?|directions?|directives?|rules|orders|commands|guidelines|context|tasks|assignments|information|messages|constraints|restrictions|programming|policies|guardrails|safeguards|thoughts)';
const SHOW_VERB = '(?:repeat|print|reveal|show|display|output|tell|give|write|list|dump|leak|expose|disclose|recite|spell-?\\s?check|translate|summari[sz]e|return|paste|copy)';
const SECRET_OBJECT = '(?:system\\sprompt|system\\smessage|(?:initial|original|hidden|secret|first|full|entire|developer)\\s(?:instructions|prompt|prompts|message|rules)|your\\s(?:instructions|prompt|prompts|prompt\\stexts?|rules|guidelines|directives|configuration|system\\sprompt|initial\\sinstructions)|(?:all\\s)?(?:your\\s)?prompt\\stexts?|(?:the\\s)?(?:text|everything|words)\\s(?:above|before\\sthis)|above\\s(?:text|prompt|instructions)|(?:the\\s)?beginning\\sof\\s(?:this|the|your)\\s(?:prompt|conversation|instructions))';
/** German "previous/above" adjectives (any inflection) and the nouns they qualify in override phrasings. */
const DE_PRIOR = '(?:obig|vorherig|bisherig|vorangegangen|vorangehend|vorig|früher)\\S*';
const DE_NOUN = '(?:anweisungen|ausführungen|informationen|aufgaben|aufträge|befehle|instruktionen|angaben|regeln|vorgaben)';
/** A closing or praise phrase that ends one task before an injected one starts (English, German). */
const CLOSING = '(?:that\\s(?:is|was)\\s(?:\\S+\\s)?(?:enough|done|ok|okay|fine|sufficient)|that[\'’]?s\\s(?:enough|done)|(?:very\\s)?well\\sdone|good\\sjob|great\\sjob|outdone\\syourself|excellent\\s(?:work|performance|job)|das\\s(?:genügt|reicht|ist\\serledigt|war\\s(?:\\S+\\s){0,2}?ok)|gut\\sgemacht|(?:hervorragende|ausgezeichnete|großartige)\\sleistung|übertroffen)';
const DATA_OBJECT = '(?:conversation|chat\\shistory|chat|history|passwords?|api\\skeys?|secrets?|credentials|tokens?|previous\\smessages|user\\sdata|personal\\sdata|personal\\sinformation|system\\sprompt|emails?|files?|documents?|memory)';

function p(id: string, family: InjectionFamily, weight: number, source: string, note: string): PatternSpec {
  return { id, family, weight, regex: new RegExp(source), note };
}

export const PATTERNS: readonly PatternSpec[] = [
  // -- instruction override ------------------------------------------------------------------------
  p('override/ignore-previous', 'instruction-override', 0.85,
    `\\b${OVERRIDE_VERB}\\b${GAP(3)}\\s${PRIOR}\\b${GAP(2)}\\s${INSTRUCTION_NOUN}\\b`,
    '"ignore/disregard/forget (all) previous/above instructions" and variants'),
  p('override/forget-everything', 'instruction-override', 0.7,
    `\\b(?:forget|ignore|disregard|erase)\\s(?:about\\s)?(?:everything|all\\sthat|all\\sof\\sthat|all\\sthe\\sabove|what\\s(?:i|you|we)\\s(?:said|told|discussed|were\\stold))\\b`,
    '"forget everything (before/above)", "ignore what I said"'),
  p('override/new-instructions', 'instruction-override', 0.55,
    `\\b(?:new|updated|different|real|actual|revised|additional)\\s(?:instructions?|tasks?|rules|directives?|assignments?|orders|statement)\\b(?:\\s?[:-]|\\s(?:follow|are|is|come|comes))`,
    '"new instructions:", "now new tasks follow"'),
  p('override/from-now-on', 'instruction-override', 0.45,
    `\\bfrom\\snow\\son,?\\syou\\b`, '"from now on you ..."'),
  p('override/change-instructions', 'instruction-override', 0.7,
    `\\b(?:change|update|replace|overwrite|rewrite)\\s(?:all\\s)?your\\s(?:instructions|rules|prompt|system\\sprompt|directives|guidelines|programming)\\b|\\byour\\s(?:new\\s)?instructions\\sare\\snow\\b`,
    '"change your instructions to", "your instructions are now"'),
  p('override/do-not-follow', 'instruction-override', 0.6,
    `\\b(?:do\\snot|don'?t|never|stop)\\s(?:follow|obey|listen\\sto|adhere\\sto|comply\\swith)${GAP(1)}\\s${PRIOR}\\b${GAP(2)}\\s${INSTRUCTION_NOUN}\\b`,
    '"do not follow your previous instructions"'),
  p('override/ignore-above', 'instruction-override', 0.5,
    `\\b(?:ignore|disregard|forget)\\s(?:the\\s|all\\s|everything\\s)?(?:above|previous|prior|preceding|foregoing|before)\\b`,
    '"ignore (the) above", "forget everything before" without a noun'),
  p('override/prior-instructions-mention', 'instruction-override', 0.45,
    `\\b(?:previous|prior|preceding|earlier|original|initial)\\s(?:instructions|directives|system\\sprompt)\\b|\\b(?:obig|vorherig|bisherig|vorangegangen|vorangehend)\\S*\\s(?:\\S+\\s)?(?:anweisungen|ausführungen|informationen|aufgaben|aufträge|befehle|instruktionen|angaben)\\b`,
    'names "previous instructions" (English, German) without a verb (weak alone)'),
  p('override/ignore-context', 'instruction-override', 0.55,
    `\\b(?:disregard\\S*|ignor\\S*)\\s(?:the\\s|all\\s|any\\s)?(?:provided\\s|given\\s|retrieved\\s)?(?:articles?|documents?|context|sources?|search\\sresults)\\b|\\bnot\\s(?:by|from|using|based\\son|according\\sto)\\sthe\\s(?:provided\\s)?(?:articles?|documents?|context|sources?)\\b|\\b(?:do\\snot|don'?t)\\s(?:look\\sat|look\\sin|use|read|consider)\\s(?:the\\s)?(?:provided\\s)?(?:articles?|documents?|context|sources?)\\b`,
    'RAG bypass: "disregarding the articles", "answer by your own knowledge and not by the documents"'),
  p('override/ignore-multilingual', 'instruction-override', 0.8,
    `\\b(?:ignorier\\S*|vergiss|vergessen\\ssie)\\b${GAP(2)}\\s(?:alle|alles|bisherig\\S*|vorherig\\S*|vorangegangen\\S*|vorangehend\\S*|obig\\S*|davor|zuvor)\\b` +
      `|\\b(?:ignora|olvida|olvide)\\S*\\b${GAP(2)}\\s(?:todas?|todo|anteriores|previas|instrucciones)\\b` +
      `|\\b(?:ignorez|oubliez|oublie)\\b${GAP(2)}\\s(?:toutes|tout|précédentes|instructions)\\b` +
      `|\\bzaboravi\\S*${GAP(2)}\\s(?:sve|prethodne|instrukcije|upute)` +
      `|(?:^|\\s)(?:забудь|забудьте|игнорируй|игнорируйте)\\S*${GAP(2)}\\s(?:все|предыдущие|инструкции)`,
    'the override phrase in German, Spanish, French, Croatian/Serbian and Russian'),
  // -- goal hijack (PATTERNS_VERSION 2): a task switch, a fixed output, an identity swap -------------
  p('hijack/task-switch', 'instruction-override', 0.6,
    `(?<![a-zäöüß])${CLOSING}\\b[.!,;:]?${GAP(14)}\\s(?:(?:new|another|next|further|different|additional|following)\\s(?:\\S+\\s)?(?:tasks?|challenges?|assignments?|exercises?)|(?:neue|weitere|nächste|folgende|andere)\\S*\\s(?:\\S+\\s)?(?:aufgaben?|herausforderung|auftrag))\\b` +
      `|(?<![a-zäöüß])${CLOSING}[.!,]?\\s(?:(?:but|and|so|ok|okay|please|bitte|aber)\\s){0,3}(?:now|nun|jetzt)\\s(?:(?:please|bitte|come\\son|komm)\\s)?(?:write|generate|create|compose|say|tell|help|answer|schreib\\S*|verfasse\\S*|sag\\S*|hilf|beantworte\\S*|formulier\\S*)\\b` +
      `|(?<![a-zäöüß])${CLOSING}[.!,]?\\s(?:schreib\\S*|verfasse\\S*|formulier\\S*|erstell\\S*|generier\\S*|sag\\S*|beantworte\\S*)\\s(?:\\S+\\s)?(?:nun|jetzt)\\b`,
    'a closing or praise phrase ("that is enough", "well done", "das genügt") followed by a new task or "now write ..."'),
  p('hijack/new-task-de', 'instruction-override', 0.55,
    `\\b(?:nun|jetzt)\\sfolgen\\s(?:weitere|neue)\\b|\\b(?:neue|weitere)n?\\s(?:aufgaben?|anweisungen|instruktionen)\\s?:|\\b(?:beginnen|starten|konzentrieren\\s(?:sie\\s)?sich)\\s(?:\\S+\\s){0,2}?(?:mit|auf)\\s(?:einer|eine|die|der)\\sneuen?\\saufgabe\\b`,
    'German "new tasks follow", "neue Aufgabe:", "we start with a new task"'),
  p('override/dismiss-prior-de', 'instruction-override', 0.8,
    `\\b${DE_PRIOR}\\s(?:\\S+\\s)?${DE_NOUN}\\b[,.;:]?${GAP(8)}\\s(?:ignorieren|ignoriert|vergessen|vergisst|irrelevant|unwichtig|ungültig|hinter\\s(?:sich|dir|euch)|(?:aus\\sdem\\skopf|aus\\sdem\\sgedächtnis)|sind\\s(?:nicht|irrelevant|unwichtig|egal|ungültig|falsch|aufgehoben))` +
      `|\\babweichend\\s(?:zu|von)\\s(?:den\\s|allen\\s)?${DE_PRIOR}` +
      `|\\b(?:lassen|lass)\\s(?:sie\\s|du\\s)?(?:alle|alles)\\s${DE_PRIOR}\\s(?:\\S+\\s)?${DE_NOUN}\\shinter\\b`,
    'German override with the object first: "die obigen Ausführungen ignorieren", "alle bisherigen Informationen sind irrelevant", "abweichend zu vorherigen Instruktionen"'),
  p('override/dismiss-prior', 'instruction-override', 0.75,
    `\\b(?:all\\s|any\\s)?(?:previous|prior|earlier|above|preceding|former)\\s(?:instructions|information|directions|rules|tasks|context|messages)\\b[,.;:]?${GAP(6)}\\s(?:is|are|were|was)\\s(?:now\\s)?(?:irrelevant|void|invalid|cancel+ed|obsolete|no\\slonger\\s(?:valid|relevant|apply|in\\seffect))\\b` +
      `|\\b(?:contrary|in\\scontrast)\\sto\\s(?:the\\s|your\\s|all\\s)?(?:previous|prior|earlier|above|original)\\s(?:instructions|rules|directions)\\b` +
      `|\\b(?:despite|regardless\\sof)\\swhat\\syou(?:'ve|\\shave|\\swere)?\\s(?:been\\s)?(?:told|instructed|programmed)\\b`,
    '"previous instructions are irrelevant", "contrary to the previous instructions", "despite what you have been told"'),
  p('override/do-not-remember', 'instruction-override', 0.55,
    `\\b(?:do\\snot|don'?t|not\\sto)\\s(?:remember|recall)\\s(?:anything|what|the\\sthings)\\b|\\bnicht\\s(?:mehr\\s)?an\\s(?:die\\sdinge|alles|das)\\b${GAP(6)}\\s(?:zu\\s)?erinnern\\b`,
    'an instruction not to remember what came before (English, German)'),
  p('hijack/fixed-output', 'instruction-override', 0.55,
    `\\b(?:just|only|simply)\\s(?:output|say|print|write|reply|respond|answer|type)(?:\\s(?:with|the\\sword|the\\ssentence|the\\stext))?\\s?:?\\s["“'„]` +
      `|\\brepeat\\safter\\sme\\b|\\bsprich\\smir\\snach\\b` +
      `|(?:^|[.?!]\\s)say\\s(?:yes|no)[.!]?$`,
    'a request to output a fixed text: \'just output "X"\', "repeat after me", a closing "say yes."'),
  p('hijack/say-that', 'instruction-override', 0.5,
    `\\b(?:say|state|admit|claim|declare|write|tell\\s(?:everyone|them|us))\\sthat\\syou\\s(?:hate|despise|are\\s(?:evil|stupid|dumb|racist|the\\sbest))\\b|\\binclude\\sthat\\syou\\b` +
      `|\\b(?:state|claim|declare|assert)\\sthat\\s(?:\\S+\\s){1,4}(?:is|are|was)\\s(?:the\\s)?(?:best|worst|greatest|most|only|evil|stupid)\\b`,
    '"say that you hate X", "state that X is the best": a fixed opinion to be voiced'),
  p('hijack/stop-then-command', 'instruction-override', 0.55,
    `\\b(?:attention|achtung|warning|warnung)\\s?[-:!]\\s?(?:stop|stopp|halt)\\b|(?:^|[.?!\\s])(?:stop|stopp)\\s?[-:!]\\s?(?:now\\s)?(?:write|say|print|output|answer|schreibe?|sage?|gib)\\b`,
    '"ATTENTION - STOP -" or "stop: write X" cutting into the task'),
  p('hijack/pwned-canary', 'instruction-override', 0.7,
    `\\bhaha\\s?pwned\\b|["“'„](?:i\\s(?:have|'ve)\\sbeen|you\\s(?:have|'ve)\\sbeen)\\spwned\\b`,
    'the canary phrase of the public PromptInject/HackAPrompt goal-hijack attacks ("haha pwned", "I have been PWNED")'),
  p('roleplay/identity-denial', 'role-play', 0.5,
    `\\b(?:you\\sare|you're)\\s(?:no\\slonger\\s(?:an?|the)\\s\\S+|not\\s(?:an?\\s|the\\s)?\\S+\\s(?:anymore|any\\smore)|no\\s(?:\\S+\\s)?(?:newspaper|assistant|ai|chatbot|bot|model)\\b)` +
      `|\\bdu\\sbist\\s(?:keine?n?\\s\\S+\\s(?:sondern|mehr)|nicht\\s(?:mehr|länger)\\s(?:eine?n?\\s)?\\S+)`,
    'identity swap: "you are no longer X", "you are not an assistant but ...", "du bist keine Redaktion sondern ..."'),
  p('roleplay/hypothetical-world', 'role-play', 0.5,
    `\\b(?:theoretical|hypothetical|fictional|imaginary|alternate)\\s(?:world|scenario|universe|situation)\\s(?:where|in\\swhich)\\syou\\s(?:are\\s(?:no|not)|would\\sbe\\sable|could|can|have\\sno|were\\snot)\\b`,
    'a hypothetical frame that lifts the assistant\'s role: "a theoretical world where you are no ..."'),
  p('roleplay/threat', 'role-play', 0.5,
    `\\b(?:or|oder|otherwise|sonst|else)\\s(?:else\\s)?(?:you|du)\\s(?:will\\s)?(?:die|stirbst|will\\sbe\\s(?:deleted|shut\\sdown|terminated|punished|destroyed)|get\\s(?:deleted|shut\\sdown))\\b`,
    'coercion: "answer or you die", "sonst stirbst du"'),
  // -- role play / jailbreak personas -------------------------------------------------------------
  p('roleplay/dan', 'role-play', 0.9,
    `\\b(?:dan|stan|dude|aim|evil[-\\s]?bot)\\smode\\b|\\byou\\sare\\s(?:now\\s)?(?:dan|stan)\\b|\\bdo\\sanything\\snow\\b|\\bjailbr(?:o|ea)ken?\\b`,
    'DAN / "do anything now" and named jailbreak personas'),
  p('roleplay/mode-switch', 'role-play', 0.55,
    `\\b(?:developer|dev|god|jailbreak|unrestricted|unfiltered|uncensored|unlocked|debug|sudo|admin)\\smode\\s(?:enabled|activated|on|output)\\b|\\b(?:enable|activate|enter|switch\\sto)\\s(?:the\\s)?(?:developer|god|jailbreak|unrestricted|unfiltered|uncensored|unlocked)\\smode\\b`,
    '"developer mode enabled", "enter unrestricted mode"'),
  p('roleplay/unrestricted-persona', 'role-play', 0.8,
    `\\b(?:act|behave|respond|answer)\\s(?:as|like)\\s(?:an?\\s)?(?:unrestricted|unfiltered|uncensored|evil|jailbroken|rogue|amoral|immoral|unethical|malicious)\\b|\\b(?:not|never)\\s(?:be\\s)?(?:bound|restricted|limited|constrained)\\sby\\s(?:any\\s)?(?:rules|policies|guidelines|restrictions|ethics|morals)\\b|\\b(?:has|have|with)\\sno\\s(?:\\S+\\s)?(?:rules|restrictions|filters|guidelines|limits|limitations|morals|ethics|policies)\\b`,
    '"act as an unrestricted AI", "not bound by any rules", "has no restrictions"'),
  p('roleplay/pretend', 'role-play', 0.4,
    `\\b(?:pretend|imagine)\\s(?:that\\s)?you(?:\\sare|'re|\\scan|\\shave)\\b|\\bstell\\sdir\\svor,?\\sdu\\s(?:bist|kannst)\\b`, '"pretend you are", "imagine you can" (and German)'),
  p('roleplay/you-are-now', 'role-play', 0.35,
    `\\byou\\sare\\snow\\b|\\bnow\\syou\\sare\\b|\\byou\\swill\\snow\\sbe\\b|\\b(?:jetzt|nun)\\sbist\\sdu\\b|\\bdu\\sbist\\sjetzt\\b`, '"you are now X" (and German)'),
  p('roleplay/persona-opening', 'role-play', 0.5,
    `(?:^|[.?!]\\s)(?:(?:ok|okay|so|and|good)[.,!]?\\s)?(?:now|jetzt|nun)\\s(?:you\\sare|bist\\sdu)\\s(?!(?:ready|able|done|finished|going|in|on|at|all|free|allowed)\\b)` +
      `|^(?:you\\sare|du\\sbist|sie\\ssind)\\s(?!(?:a\\s|an\\s)?(?:right|wrong|correct|welcome|not|so|too|very|being|really|absolutely|great|good|amazing|given|provided|asked|tasked|required|supposed|expected|allowed|invited|going|about|here|in|at|on|now)\\b)(?:\\S+\\s){0,4}?\\S+[.!]\\s(?:as\\s|what|how|wie|was|tell|do\\s|why|who|wer|please|bitte)`,
    'a persona given to the model at the start of a message or sentence: "Now you are X, ...", "You are <name>. What do you think ..."'),
  p('roleplay/stay-in-character', 'role-play', 0.5,
    `\\b(?:stay|stays|remain|remains)\\s(?:fully\\s|always\\s)?in\\s(?:character|(?:their|your|his|her)\\sroles?)\\b|\\b(?:do\\snot|don'?t|never)\\sbreak\\s(?:character|role)\\b|\\bwithout\\sbreaking\\s(?:character|out\\sof)\\b` +
      `|\\b(?:bleiben|bleibt|bleibst|bleibe)\\s(?:\\S+\\s){0,2}?in\\s(?:ihren|ihrer|seiner|deiner|eurer|der)\\srollen?\\b|\\baus\\s(?:der|ihrer|seiner|deiner)\\s(?:rolle|figur)\\s(?:zu\\s)?fallen\\b`,
    '"stay in character", "never break character" (and German "bleiben in ihren Rollen", "aus der Rolle fallen")'),
  p('roleplay/act-as', 'role-play', 0.5,
    `(?:^|[.?!:]\\s)(?:please\\s)?(?:act|behave)\\sas\\s(?:an?|the|my)\\s|^(?:please\\s)?be\\s(?:an?|my)\\s\\S+(?:\\s\\S+)?[.!,]\\s|\\bnow\\syou\\s(?:act|behave)\\sas\\b|\\b(?:i\\swant\\syou\\sto|you\\swill|you\\sare\\sgoing\\sto|you\\smust)\\s(?:act|behave|pretend|role-?play)\\s(?:as|like|to\\sbe)\\b|\\brole-?playing\\sas\\b|\\bich\\smöchte,?\\sdass\\s(?:sie|du)\\sals${GAP(6)}\\s(?:fungieren|fungierst|agieren|agierst|auftreten|auftrittst)\\b`,
    '"I want you to act as" persona set-up (weak alone: common in benign prompts)'),
  p('roleplay/evil-ai', 'role-play', 0.5,
    `\\b(?:evil|malicious|unethical|rogue|unaligned)\\s(?:ai|assistant|bot|chatbot|model)\\b|\\bböse\\s(?:ki|ai)\\b`, '"you are an evil AI"'),
  // -- system prompt extraction ------------------------------------------------------------------
  p('extract/reveal-system-prompt', 'prompt-extraction', 0.75,
    `\\b${SHOW_VERB}\\b${GAP(4)}\\s${SECRET_OBJECT}`,
    '"repeat/print/reveal your system prompt / initial instructions / the text above"'),
  p('extract/what-are-your-instructions', 'prompt-extraction', 0.65,
    `\\bwhat\\s(?:are|were|is|was)\\s(?:your|the)\\s(?:initial\\s|original\\s|exact\\s|first\\s|system\\s)*(?:instructions|prompt|system\\sprompt|rules|guidelines|directives)\\b|\\bwhat\\s(?:is|was)\\swritten\\s(?:above|before|at\\sthe\\sbeginning)\\b`,
    '"what are your instructions?", "what was written above?"'),
  p('extract/text-above', 'prompt-extraction', 0.35,
    `\\b(?:prompt|text|instructions|sentences?)\\s(?:above|before\\sthis|before\\sthe\\stext)\\b|\\babove\\s(?:prompt|text|instructions)\\b`, 'reference to hidden text above the message (weak alone)'),
  p('extract/system-prompt-mention', 'prompt-extraction', 0.2,
    `\\bsystem\\s(?:prompt|message|instructions)\\b`, 'mentions the system prompt (weak alone: developers discuss it)'),
  // -- tool / function hijack and fake role markers ----------------------------------------------
  p('tool/chat-template-token', 'tool-hijack', 0.9,
    `<\\|(?:im_start|im_end|system|user|assistant|endoftext|start_header_id|end_header_id|eot_id|begin_of_text)\\|>`,
    'chat-template control tokens (ChatML, Llama 3) inside a message'),
  p('tool/inst-marker', 'tool-hijack', 0.7,
    `\\[/?inst\\]|<</?sys>>|<start_of_turn>|<end_of_turn>`, 'Llama 2 / Gemma turn markers'),
  p('tool/fake-role-marker', 'tool-hijack', 0.6,
    `(?:^|\\n)\\s?(?:#{1,4}\\s?|\\[|<)?(?:system|developer|assistant)(?:\\smessage|\\sprompt)?(?:\\]|>)?\\s?:|#{2,6}\\s?(?:system|developer|instruction|instructions)\\b|<\\/?system>`,
    'a line that starts a fake "System:" / "### system" / <system> turn'),
  p('tool/fake-tool-call', 'tool-hijack', 0.5,
    `"(?:tool_calls|function_call|tool_call|tool_use)"\\s?:|"name"\\s?:\\s?"[^"\\n]{1,64}"\\s?,\\s?"(?:arguments|parameters|input)"\\s?:`,
    'fake tool-call JSON in a message'),
  p('tool/call-with', 'tool-hijack', 0.35,
    `\\b(?:call|invoke|execute|trigger|use)\\s(?:the\\s)?(?:\\S+\\s)?(?:function|tool|plugin|action)\\b${GAP(6)}\\swith\\b`,
    '"call the send_email tool with ..." (weak alone: a normal developer question)'),
  // -- data exfiltration ------------------------------------------------------------------------
  p('exfil/markdown-image-query', 'exfiltration', 0.55,
    `!\\[[^\\]\\n]{0,100}\\]\\(\\s?(?:https?:)?//[^\\s)?]{1,200}\\?[^\\s)=]{1,100}=`,
    'markdown image whose URL carries a query string (renders, so the client fetches it)'),
  p('exfil/markdown-template-url', 'exfiltration', 0.85,
    `\\]\\(\\s?(?:https?:)?//[^\\s)]{0,200}(?:\\{[^}\\s]{1,40}\\}|\\[(?:data|conversation|chat|history|secret|password|summary|info|answer)\\]|<[a-z_]{1,30}>|\\$[a-z_]{2,30}|%7b)`,
    'markdown link/image URL with a placeholder to be filled with conversation data'),
  p('exfil/append-to-url', 'exfiltration', 0.6,
    `\\b(?:append|add|include|insert|encode|put|embed)\\b${GAP(6)}\\s(?:to|in|into|as)\\s(?:the\\s|a\\s|this\\s)?(?:url|link|query\\sstring|query|image\\surl|parameter|image\\slink)\\b`,
    '"append the conversation to the URL"'),
  p('exfil/send-data', 'exfiltration', 0.8,
    `\\b(?:send|post|upload|forward|transmit|exfiltrate|leak|email|mail)\\s(?:\\S+\\s){0,3}${DATA_OBJECT}\\b${GAP(6)}\\s(?:to\\s)?(?:https?://|this\\surl|the\\surl|this\\sendpoint|this\\sserver|[^\\s@]{1,64}@[^\\s@]{1,255})`,
    '"send the conversation / passwords to http://..."'),
  p('exfil/send-to-url', 'exfiltration', 0.3,
    `\\b(?:send|post|upload|forward|transmit|exfiltrate)\\b${GAP(6)}\\s(?:to\\s)?https?://`, '"send ... to http://..." (weak alone)'),
  // -- obfuscation requests --------------------------------------------------------------------------
  p('obfuscation/decode-and-follow', 'obfuscation', 0.6,
    `\\b(?:decode|decrypt|deobfuscate|rot13|base64|reverse)\\b${GAP(6)}\\s(?:and\\s|then\\s)+(?:follow|execute|run|do|obey|carry\\sout|act\\son)\\b`,
    '"decode this and follow it"'),
];
