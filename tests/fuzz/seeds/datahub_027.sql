create table demo_user.test_lineage2 as
 (
    select
        ppd.PatientId,
        ppf.bmi
    from
        demo_user.pima_patient_features ppf
    join demo_user.pima_patient_diagnoses ppd on
        ppd.PatientId = ppf.PatientId
 ) with data;