-- heart.sql: load the bundled heart attack risk data set as table "heart"
-- (27 columns: Blood Pressure split into systolic/diastolic, label "risk").
-- Run with psql from the project root.
DROP TABLE IF EXISTS heart CASCADE;
CREATE TEMP TABLE heart_raw (
    patient_id text, age int, sex text, cholesterol int, blood_pressure text,
    heart_rate int, diabetes int, family_history int, smoking int, obesity int,
    alcohol_consumption int, exercise_hours_per_week float8, diet text,
    previous_heart_problems int, medication_use int, stress_level int,
    sedentary_hours_per_day float8, income int, bmi float8, triglycerides int,
    physical_activity_days_per_week int, sleep_hours_per_day int,
    country text, continent text, hemisphere text, risk int);
\copy heart_raw FROM 'test/data/heart_attack_prediction_dataset.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE heart (
    patient_id text PRIMARY KEY, age int, sex text, cholesterol int,
    systolic int, diastolic int, heart_rate int, diabetes int,
    family_history int, smoking int, obesity int, alcohol_consumption int,
    exercise_hours_per_week float8, diet text, previous_heart_problems int,
    medication_use int, stress_level int, sedentary_hours_per_day float8,
    income int, bmi float8, triglycerides int,
    physical_activity_days_per_week int, sleep_hours_per_day int,
    country text, continent text, hemisphere text, risk int);
INSERT INTO heart
SELECT patient_id, age, sex, cholesterol,
       split_part(blood_pressure, '/', 1)::int, split_part(blood_pressure, '/', 2)::int,
       heart_rate, diabetes, family_history, smoking, obesity, alcohol_consumption,
       exercise_hours_per_week, diet, previous_heart_problems, medication_use,
       stress_level, sedentary_hours_per_day, income, bmi, triglycerides,
       physical_activity_days_per_week, sleep_hours_per_day,
       country, continent, hemisphere, risk
FROM heart_raw;
DROP TABLE heart_raw;
ANALYZE heart;
