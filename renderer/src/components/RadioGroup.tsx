// A fieldset of radio buttons, each a label with a line of help: the shape every choice in
// the connect panel and the settings view takes.
import { useId } from "react";

export interface RadioChoice<T extends string> {
  value: T;
  label: string;
  help?: string;
}

export interface RadioGroupProps<T extends string> {
  legend: string;
  choices: RadioChoice<T>[];
  value: T;
  onChange(value: T): void;
  disabled?: boolean;
  className?: string;
}

export function RadioGroup<T extends string>({
  legend,
  choices,
  value,
  onChange,
  disabled,
  className,
}: RadioGroupProps<T>) {
  const name = useId();
  return (
    <fieldset className={className} disabled={disabled}>
      <legend>{legend}</legend>
      {choices.map((choice) => (
        <label key={choice.value} className="mode">
          <input
            type="radio"
            name={name}
            value={choice.value}
            checked={value === choice.value}
            onChange={() => onChange(choice.value)}
          />
          <span>
            <strong>{choice.label}</strong>
            {choice.help && <small>{choice.help}</small>}
          </span>
        </label>
      ))}
    </fieldset>
  );
}
