/** `AnswerInput` is what a request may contain; validation turns it into an `Answer` (API.md, "Voting"). */
export type ChoiceAnswer = { questionId: string; optionIds: readonly string[] };
export type RankingAnswer = { questionId: string; ranking: readonly string[] };
export type RatingAnswer = { questionId: string; rating: number };

export type Answer = ChoiceAnswer | RankingAnswer | RatingAnswer;

export type AnswerInput = {
  questionId: string;
  optionIds?: readonly string[];
  ranking?: readonly string[];
  rating?: number;
};
